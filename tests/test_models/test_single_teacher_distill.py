import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

from mmkd.utils import KDConfigError

from helpers import build_kd, digits_batch

FEATURE_HINT = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
    teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
    distill_losses=dict(loss_hint=dict(type='L2Loss')),
    loss_forward_mappings=dict(
        loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False))))


def train_steps(model, steps, lr=0.05):
    optim = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr,
                                         momentum=0.9))
    model.train()
    data = digits_batch(32)
    history = []
    for _ in range(steps):
        log = model.train_step(data, optim)
        history.append({k: v.item() for k, v in log.items()})
    return history


def test_kd_training_lowers_the_loss_and_keeps_the_teacher_frozen(teacher_ckpt):
    torch.manual_seed(0)
    model = build_kd(teacher_ckpt)
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    history = train_steps(model, 30)
    assert {'loss', 'student.loss', 'distill.loss_kd'} <= set(history[0])
    assert history[-1]['loss'] < 0.8 * history[0]['loss']
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k  # BN statistics too: eval mode
    assert not model.teacher.training and model.student.training
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_kd_loss_equals_loss_on_logits(teacher_ckpt):
    from mmkd.models.losses import kl_divergence
    model = build_kd(teacher_ckpt).eval()
    data = model.data_preprocessor(digits_batch(8), training=False)
    losses = model(**data, mode='loss')
    with torch.no_grad():
        zs = model.student(data['inputs'], mode='tensor')
        zt = model.teacher(data['inputs'], mode='tensor')
    assert losses['distill.loss_kd'].item() == pytest.approx(
        0.9 * kl_divergence(zs, zt, tau=4).item(), rel=1e-5)


def test_checkpoint_state_excludes_the_frozen_teacher(teacher_ckpt):
    model = build_kd(teacher_ckpt)
    keys = list(model.state_dict())
    assert keys and not any(k.startswith('teacher.') for k in keys)
    assert any(k.startswith('architecture.') for k in keys)
    result = model.load_state_dict(model.state_dict(), strict=False)
    assert result.missing_keys == []
    trainable = build_kd(teacher_ckpt, teacher_trainable=True)
    assert any(k.startswith('teacher.') for k in trainable.state_dict())


def test_missing_or_wrong_teacher_ckpt_fails_at_build(teacher_ckpt, tmp_path):
    with pytest.raises(KDConfigError, match=r'model\.teacher_ckpt=.*no such file'):
        build_kd(str(tmp_path / 'nope.pth'))
    with pytest.raises(KDConfigError, match='teacher_ckpt is required'):
        build_kd(None)
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'backbone.x': torch.zeros(1)}}, wrong)
    with pytest.raises(KDConfigError, match='does not fit the teacher'):
        build_kd(str(wrong))


def test_shape_mismatch_without_connector_names_loss_and_connector(teacher_ckpt):
    model = build_kd(teacher_ckpt, distiller=FEATURE_HINT)
    with pytest.raises(KDConfigError, match=r'distill_losses\.loss_hint.*\(2, 16, 4, 4\).*\(2, 32, 4, 4\).*connector'):
        model(**model.data_preprocessor(digits_batch(2), training=True), mode='loss')


def test_feature_distillation_with_connector_trains(teacher_ckpt):
    cfg = copy.deepcopy(FEATURE_HINT)
    cfg['connectors'] = dict(hint=dict(type='ConvModuleConnector', in_channel=16, out_channel=32,
                                       norm_cfg=dict(type='BN'), act_cfg=None))
    cfg['loss_forward_mappings']['loss_hint']['preds_S']['connector'] = 'hint'
    torch.manual_seed(0)
    model = build_kd(teacher_ckpt, distiller=cfg, calculate_student_loss=False)
    history = train_steps(model, 15)
    assert set(history[0]) == {'loss', 'distill.loss_hint'}
    assert history[-1]['distill.loss_hint'] < 0.7 * history[0]['distill.loss_hint']
    assert any(k.startswith('distiller.connectors.hint') for k in model.state_dict())


def test_frozen_teacher_runs_only_as_far_as_records_need(teacher_ckpt):
    model = build_kd(teacher_ckpt, distiller=dict(FEATURE_HINT, connectors=dict(
        hint=dict(type='ConvModuleConnector', in_channel=16, out_channel=32)),
        loss_forward_mappings=dict(loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='hint'),
            preds_T=dict(recorder='feat', from_student=False)))))
    head_calls = []
    model.teacher.head.register_forward_hook(lambda *a: head_calls.append(1))
    data = model.data_preprocessor(digits_batch(4), training=True)
    first = model(**data, mode='loss')
    assert len(head_calls) == 1
    second = model(**data, mode='loss')
    assert len(head_calls) == 1  # the teacher stopped after backbone.stages.1
    assert second['distill.loss_hint'].item() == pytest.approx(first['distill.loss_hint'].item(), rel=1e-4)


def test_predict_uses_the_student(teacher_ckpt):
    model = build_kd(teacher_ckpt).eval()
    data = model.data_preprocessor(digits_batch(4), training=False)
    out = model(**data, mode='predict')
    with torch.no_grad():
        expected = model.student(data['inputs'], mode='tensor')
    torch.testing.assert_close(torch.stack([o.pred_score for o in out]), torch.softmax(expected, 1))


def test_student_from_packaged_config_path(teacher_ckpt):
    model = build_kd(teacher_ckpt, architecture=dict(
        cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py',
        backbone=dict(depth=18, in_channels=1, base_channels=8, stem_channels=8),
        head=dict(in_channels=64)))
    assert type(model.student.backbone).__name__ == 'ResNet_CIFAR'
    data = model.data_preprocessor(digits_batch(2), training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['distill.loss_kd'])
    from mmkd.models.utils import build_model
    with pytest.raises(KDConfigError, match='pretrained=True'):
        build_model(dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py', pretrained=True),
                    'model.architecture')


def test_connector_with_wrong_input_channels_names_the_connector(teacher_ckpt):
    cfg = copy.deepcopy(FEATURE_HINT)
    cfg['connectors'] = dict(hint=dict(type='ConvModuleConnector', in_channel=8, out_channel=32))
    cfg['loss_forward_mappings']['loss_hint']['preds_S']['connector'] = 'hint'
    model = build_kd(teacher_ckpt, distiller=cfg)
    with pytest.raises(KDConfigError, match=r"loss_hint\.preds_S: connector 'hint' failed on the record of shape \(2, 16, 4, 4\)"):
        model(**model.data_preprocessor(digits_batch(2), training=True), mode='loss')


@pytest.mark.parametrize('teacher_trainable', [False, True])
def test_student_only_builds_no_teacher_and_loads_a_training_checkpoint(teacher_ckpt, tmp_path,
                                                                        teacher_trainable):
    trained = build_kd(teacher_ckpt, distiller=FEATURE_HINT_WITH_CONNECTOR,
                       teacher_trainable=teacher_trainable)
    torch.nn.init.constant_(trained.distiller.connectors.proj.conv_module.conv.weight, 0.5)
    state = trained.state_dict()
    assert any(k.startswith('teacher.') for k in state) == teacher_trainable
    # No teacher file on disk is needed: the teacher is neither built nor loaded.
    model = build_kd(str(tmp_path / 'gone.pth'), distiller=FEATURE_HINT_WITH_CONNECTOR,
                     teacher_trainable=teacher_trainable, student_only=True)
    assert model.teacher is None
    assert not any(k.startswith('teacher.') for k in model.state_dict())
    result = model.load_state_dict(state, strict=True)  # teacher.* entries are dropped
    assert result.missing_keys == [] and result.unexpected_keys == []
    torch.testing.assert_close(model.distiller.connectors.proj.conv_module.conv.weight,
                               trained.distiller.connectors.proj.conv_module.conv.weight)
    data = model.data_preprocessor(digits_batch(4), training=False)
    model.eval()
    trained.eval()
    torch.testing.assert_close(model(data['inputs'], mode='tensor'),
                               trained(data['inputs'], mode='tensor'))
    model.train()  # no teacher to switch
    with pytest.raises(RuntimeError, match='student_only=True'):
        model(**model.data_preprocessor(digits_batch(4), training=True), mode='loss')


FEATURE_HINT_WITH_CONNECTOR = dict(
    FEATURE_HINT,
    connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=16, out_channel=32,
                              kernel_size=1)),
    loss_forward_mappings=dict(loss_hint=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='proj'),
        preds_T=dict(recorder='feat', from_student=False))))


def test_teacher_norm_train_uses_batch_statistics_and_keeps_them_in_checkpoints(teacher_ckpt):
    model = build_kd(teacher_ckpt, teacher_norm_train=True)
    bn = model.teacher.backbone.stages[0][0].bn
    before = bn.running_mean.clone()
    model.train()
    assert bn.training and not model.teacher.backbone.training  # only the norm layers
    train_steps(model, 1)
    assert not torch.equal(bn.running_mean, before)  # batch statistics were used and tracked
    assert all(not p.requires_grad for p in model.teacher.parameters())
    state = model.state_dict()
    teacher_keys = {k for k in state if k.startswith('teacher.')}
    assert teacher_keys and all(k.rsplit('.', 1)[1] in ('running_mean', 'running_var',
                                                        'num_batches_tracked')
                                for k in teacher_keys)
    # a resumed model gets the updated statistics back
    fresh = build_kd(teacher_ckpt, teacher_norm_train=True)
    fresh.load_state_dict(state)
    assert torch.equal(fresh.teacher.backbone.stages[0][0].bn.running_mean, bn.running_mean)
    model.eval()
    assert not bn.training
    with pytest.raises(KDConfigError, match='teacher_norm_train is for a frozen teacher'):
        build_kd(teacher_ckpt, teacher_norm_train=True, teacher_trainable=True)


def test_teacher_with_its_own_normalisation_sees_the_batch_normalised_its_way(teacher_ckpt):
    model = build_kd(teacher_ckpt, teacher_data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', mean=[10.0], std=[2.0]))
    seen = []
    model.teacher.register_forward_pre_hook(lambda m, args: seen.append(args[0].clone()))
    batch = digits_batch(4)
    raw = torch.stack([b.float() for b in batch['inputs']])
    data = model.data_preprocessor(batch, training=True)
    model(**data, mode='loss')
    torch.testing.assert_close(seen[0], (raw - 10.0) / 2.0, rtol=1e-5, atol=1e-4)
    # the student still gets the student's normalisation (mean 78, std 96)
    torch.testing.assert_close(data['inputs'], (raw - 78.0) / 96.0, rtol=1e-5, atol=1e-5)


def test_a_trainable_teacher_gets_its_own_learning_rate_through_mmengine(teacher_ckpt):
    """Per-model optimizer settings are MMEngine's paramwise options on the module path."""
    from mmengine.optim import build_optim_wrapper
    model = build_kd(teacher_ckpt, teacher_policy='trainable')
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.1), paramwise_cfg=dict(
            custom_keys={'teacher': dict(lr_mult=0.01)})))
    teacher = {id(p) for p in model.teacher.parameters()}
    lrs = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            lrs[id(p)] = group['lr']
    assert all(lrs[i] == pytest.approx(0.001) for i in teacher)
    assert all(lr == pytest.approx(0.1) for i, lr in lrs.items() if i not in teacher)
    assert all(p.requires_grad for p in model.teacher.parameters())
    assert any(k.startswith('teacher.') for k in model.state_dict())  # saved


@pytest.mark.parametrize('lean, tol', [(dict(channels_last=True), 1e-5),
                                       (dict(autocast='bf16'), 5e-2),
                                       (dict(channels_last=True, autocast='bf16'), 5e-2),
                                       (dict(compile=True), 1e-5)],
                         ids=['channels_last', 'bf16', 'both', 'compile'])
def test_lean_teacher_options_keep_its_records_close_and_float32(teacher_ckpt, lean, tol):
    data = None
    values = {}
    for name, options in (('plain', None), ('lean', lean)):
        torch.manual_seed(0)
        model = build_kd(teacher_ckpt, distiller=dict(FEATURE_HINT, connectors=dict(
            hint=dict(type='ConvModuleConnector', in_channel=16, out_channel=32)),
            loss_forward_mappings=dict(loss_hint=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='hint'),
                preds_T=dict(recorder='feat', from_student=False)))), teacher_lean=options)
        model.train()
        data = data or model.data_preprocessor(digits_batch(8), training=True)
        with torch.no_grad():
            model.teachers_by_name()['teacher'].record(model.distiller, data['inputs'], None)
        record = model.distiller.sources['teacher'].get_recorder('feat').get_record_data(0)
        assert record.dtype == torch.float32
        values[name] = record
        model.distiller.reset_records()
        # the whole step too, with the early exit after the recorded stage
        assert torch.isfinite(model(**data, mode='loss')['distill.loss_hint'])
    diff = (values['lean'] - values['plain']).abs().max().item()
    assert diff <= tol * values['plain'].abs().max().item()
    with pytest.raises(KDConfigError, match=r"teacher_lean\.autocast='int8' is not valid"):
        build_kd(teacher_ckpt, teacher_lean=dict(autocast='int8'))
    with pytest.raises(KDConfigError, match='teacher_lean is for a frozen teacher'):
        build_kd(teacher_ckpt, teacher_lean=dict(channels_last=True), teacher_policy='trainable')
    with pytest.raises(KDConfigError, match='torch.compile has no argument'):
        build_kd(teacher_ckpt, teacher_lean=dict(compile=dict(speed='max')))
    if lean.get('compile'):  # compiled in place: same module names and state-dict keys
        assert not any('_orig_mod' in k for k, _ in model.teacher.named_parameters())


def test_a_preprocessor_for_another_number_of_classes_is_refused_at_build(teacher_ckpt,
                                                                           tmp_path):
    from helpers import PREPROCESSOR, STUDENT, digits_kd_config
    from mmkd.engine.runner import build_runner
    with pytest.raises(KDConfigError, match=r'model.data_preprocessor \(or the top-level '
                       r'data_preprocessor\).num_classes=100 but model.architecture.head.'
                       r'num_classes=10'):
        build_kd(teacher_ckpt, data_preprocessor=dict(PREPROCESSOR, num_classes=100))
    with pytest.raises(KDConfigError, match='model.teacher_data_preprocessor.num_classes=5 but '
                       'model.teacher.head.num_classes=10'):
        build_kd(teacher_ckpt, teacher_data_preprocessor=dict(PREPROCESSOR, num_classes=5))
    # a model trained alone by mmkd's commands is checked the same way
    cfg = digits_kd_config(tmp_path, teacher_ckpt)
    cfg.model = dict(copy.deepcopy(STUDENT), data_preprocessor=dict(PREPROCESSOR, num_classes=7))
    with pytest.raises(KDConfigError, match=r'num_classes=7 but model.head.num_classes=10'):
        build_runner(cfg)
