import copy

import pytest
import torch

from mmkd.models.teachers.lean import run_lean
from mmkd.models.losses import MultiTeacherKLDivergence, kl_divergence
from mmkd.models.utils import build_model, renormalize
from mmkd.registry import MODELS
from mmkd.utils import KDConfigError

from helpers import PREPROCESSOR, STUDENT, TEACHER, build_classifier, convnet, digits_batch

OTHER_PP = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=10, mean=[10.0], std=[50.0])
LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    out = {}
    for seed, (name, cfg) in enumerate((('t1', TEACHER), ('t2', convnet((24, 48))))):
        torch.manual_seed(seed + 10)
        path = tmp_path_factory.mktemp(name) / f'{name}.pth'
        torch.save({'state_dict': build_classifier(cfg).state_dict()}, path)
        out[name] = (cfg, str(path))
    return out


def build(ckpts, selection='all', weights=(0.75, 0.25), distiller=None, **kwargs):
    teachers = kwargs.pop('teachers', None) or {
        name: dict(model=copy.deepcopy(cfg), ckpt=path) for name, (cfg, path) in ckpts.items()}
    teachers['t2']['data_preprocessor'] = OTHER_PP
    distiller = distiller or dict(
        type='MultiTeacherDistiller',
        student_recorders=LOGITS,
        teacher_recorders=dict(t1=LOGITS, t2=LOGITS),
        distill_losses=dict(loss_kd=dict(type='MultiTeacherKLDivergence', tau=4,
                                         teacher_weights=list(weights))),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False, teacher='all'))))
    cfg = dict(type='MultiTeacherDistill', architecture=copy.deepcopy(STUDENT), teachers=teachers,
               data_preprocessor=PREPROCESSOR, distiller=distiller, teacher_selection=selection)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_renormalize_is_exact():
    pp_a, pp_b = build_model(PREPROCESSOR, 'a'), build_model(OTHER_PP, 'b')
    batch = digits_batch(4)
    a, b = pp_a(batch)['inputs'], pp_b(batch)['inputs']
    torch.testing.assert_close(renormalize(a, pp_a, pp_b), b)


def test_weighted_average_of_soft_targets(ckpts):
    model = build(ckpts).eval()
    data = model.data_preprocessor(digits_batch(8), training=False)
    losses = model(**data, mode='loss')
    x = data['inputs']
    with torch.no_grad():
        zs = model.student(x, mode='tensor')
        z1 = model.teachers['t1'](x, mode='tensor')
        raw = x * model.data_preprocessor.std + model.data_preprocessor.mean
        z2 = model.teachers['t2']((raw - 10.0) / 50.0, mode='tensor')
    p_bar = 0.75 * torch.softmax(z1 / 4, 1) + 0.25 * torch.softmax(z2 / 4, 1)
    ref = 16 * (p_bar * (p_bar.log() - torch.log_softmax(zs / 4, 1))).sum() / 8
    # float32 sums of p (log p - log q) over 10 classes: about 1e-7 of absolute rounding
    assert losses['distill.loss_kd'].item() == pytest.approx(ref.item(), rel=1e-5, abs=1e-6)
    # one teacher: vanilla KD
    one = MultiTeacherKLDivergence(tau=4)(zs, [z1])
    assert one.item() == pytest.approx(kl_divergence(zs, z1, tau=4).item(), rel=1e-6)
    assert not any(k.startswith('teachers.') for k in model.state_dict())


def test_lean_options_per_teacher(ckpts):
    plain = build(ckpts).train()
    teachers = {name: dict(model=copy.deepcopy(cfg), ckpt=path) for name, (cfg, path) in ckpts.items()}
    teachers['t1']['lean'] = dict(channels_last=True, autocast='bf16')
    lean = build(ckpts, teachers=teachers).train()
    data = plain.data_preprocessor(digits_batch(8), training=True)
    values = []
    for model in (plain, lean):
        torch.manual_seed(0)
        assert torch.isfinite(model(**data, mode='loss')['distill.loss_kd'])
        with torch.no_grad():
            model.distiller.record('t1', lambda: run_lean(
                model.teachers_by_name()['t1'].lean, data['inputs'],
                lambda x: model.teachers['t1'](x, mode='tensor'), model.distiller.sources['t1']),
                required=True)
        values.append(model.distiller.sources['t1'].get_recorder('logits').get_record_data(0))
    assert values[1].dtype == torch.float32 and lean.teachers_by_name()['t2'].lean == {}
    assert (values[1] - values[0]).abs().max() <= 5e-2 * values[0].abs().max()
    teachers['t1']['policy'] = 'trainable'
    with pytest.raises(KDConfigError, match=r"teachers\.t1\.lean is for a frozen teacher"):
        build(ckpts, teachers=teachers)


def test_random_selection_runs_one_teacher_and_resumes_the_sequence(ckpts):
    model = build(ckpts, selection='random', selection_seed=3).train()
    calls = {'t1': 0, 't2': 0}
    for name, teacher in model.teachers.items():
        teacher.register_forward_hook(lambda *a, n=name: calls.__setitem__(n, calls[n] + 1))
    data = model.data_preprocessor(digits_batch(4), training=True)
    drawn = []
    for _ in range(12):
        model(**data, mode='loss')
        drawn.append(list(model.distiller.active_teachers))
    assert all(len(d) == 1 for d in drawn) and sum(calls.values()) <= 12
    assert {d[0] for d in drawn} == {'t1', 't2'}
    state = model.state_dict()
    assert int(state['selection_step']) == 12
    again = build(ckpts, selection='random', selection_seed=3)
    again.load_state_dict(state)
    model_next = [model.select_teachers() for _ in range(5)]
    assert [again.select_teachers() for _ in range(5)] == model_next


def test_feature_mapping_names_a_teacher(ckpts):
    feats = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'))
    distiller = dict(
        type='MultiTeacherDistiller',
        student_recorders=feats,
        teacher_recorders=dict(t1=feats, t2=feats),
        connectors=dict(up=dict(type='ConvModuleConnector', in_channel=16, out_channel=48)),
        distill_losses=dict(loss_hint=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='up'),
            preds_T=dict(recorder='feat', from_student=False, teacher='t2'))))
    model = build(ckpts, distiller=distiller)
    data = model.data_preprocessor(digits_batch(4), training=True)
    assert torch.isfinite(model(**data, mode='loss')['distill.loss_hint'])
    model = build(ckpts, selection='random', distiller=copy.deepcopy(distiller))
    with pytest.raises(KDConfigError, match="teacher 't2' did not run"):
        for _ in range(10):
            model(**data, mode='loss')


def test_config_errors(ckpts):
    bad = dict(type='MultiTeacherDistiller', student_recorders=LOGITS,
               teacher_recorders=dict(t1=LOGITS, t3=LOGITS),
               distill_losses=dict(loss_kd=dict(type='MultiTeacherKLDivergence')),
               loss_forward_mappings=dict(loss_kd=dict(
                   preds_S=dict(recorder='logits', from_student=True),
                   preds_T=dict(recorder='logits', from_student=False, teacher='all'))))
    with pytest.raises(KDConfigError, match=r"teacher_recorders\.t3: there is no teacher 't3'"):
        build(ckpts, distiller=bad)
    bad = copy.deepcopy(bad)
    bad['teacher_recorders'] = dict(t1=LOGITS, t2=LOGITS)
    del bad['loss_forward_mappings']['loss_kd']['preds_T']['teacher']
    with pytest.raises(KDConfigError, match=r'preds_T\.teacher is missing'):
        build(ckpts, distiller=bad)
    bad['loss_forward_mappings']['loss_kd']['preds_T']['teacher'] = 't4'
    with pytest.raises(KDConfigError, match="teacher='t4'.*Did you mean"):
        build(ckpts, distiller=bad)
    with pytest.raises(KDConfigError, match='teacher_selection'):
        build(ckpts, selection='one')
    with pytest.raises(KDConfigError, match=r'model\.teachers\.t1\.ckpt'):
        MODELS.build(dict(type='MultiTeacherDistill', architecture=copy.deepcopy(STUDENT),
                          teachers=dict(t1=dict(model=copy.deepcopy(TEACHER), ckpt='missing.pth')),
                          distiller=bad))


def test_training_lowers_the_loss(ckpts):
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = build(ckpts).train()
    optim = OptimWrapper(torch.optim.SGD(model.student.parameters(), lr=0.05, momentum=0.9))
    data = digits_batch(32)
    first = model.train_step(data, optim)['loss'].item()
    for _ in range(30):
        last = model.train_step(data, optim)['loss'].item()
    assert last < 0.8 * first


def test_student_only_builds_no_teacher(ckpts, tmp_path):
    trained = build(ckpts, selection='random')
    trained.selection_step += 3
    gone = {name: (cfg, str(tmp_path / f'{name}_gone.pth')) for name, (cfg, _) in ckpts.items()}
    model = build(gone, selection='random', student_only=True)
    assert len(model.teachers) == 0
    result = model.load_state_dict(trained.state_dict(), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert int(model.selection_step) == 3


def test_teacher_policies_per_teacher(ckpts):
    """t2 trains with its own loss and is saved; t1 stays frozen and out of checkpoints, with
    its BN in train mode on request."""
    from mmengine.optim import OptimWrapper
    teachers = {name: dict(model=copy.deepcopy(cfg), ckpt=path)
                for name, (cfg, path) in ckpts.items()}
    teachers['t1']['norm_train'] = True
    teachers['t2'].update(policy='trainable')
    model = build(ckpts, teachers=teachers)
    model.train()
    assert all(m.training for m in model.teachers.t1.modules()
               if isinstance(m, torch.nn.BatchNorm2d))
    assert not model.teachers.t1.backbone.training
    assert all(not m.training for m in model.teachers.t2.modules()
               if isinstance(m, torch.nn.BatchNorm2d))  # trainable: norm layers in eval mode
    before = {k: v.clone() for k, v in model.teachers.state_dict().items()}
    optim = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                                         lr=0.1))
    log = model.train_step(digits_batch(16), optim)
    assert 't2.loss' in log and 't1.loss' not in log
    after = model.teachers.state_dict()
    assert any(not torch.equal(after[k], before[k]) for k in after if k.startswith('t2.')
               and 'weight' in k)
    assert all(torch.equal(after[k], before[k]) for k in after
               if k.startswith('t1.') and ('weight' in k or 'bias' in k))
    state = model.state_dict()
    assert any(k.startswith('teachers.t2.') for k in state)
    t1 = {k for k in state if k.startswith('teachers.t1.')}
    assert t1 and all(k.rsplit('.', 1)[1] in ('running_mean', 'running_var',
                                              'num_batches_tracked') for k in t1)
    teachers['t2'] = dict(policy='ema', ema_momentum=0.5)  # the student's moving average
    model = build(ckpts, teachers=teachers)
    with pytest.raises(KDConfigError, match='EMATeacherHook'):
        model.train_step(digits_batch(16), optim)
    model.start_ema_teacher()  # what EMATeacherHook does before training
    for k, v in model.student.state_dict().items():
        assert torch.equal(model.teachers.t2.state_dict()[k], v)
    optim = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                                         lr=0.1))
    teacher_before = {k: v.clone() for k, v in model.teachers.t2.named_parameters()}
    model.train_step(digits_batch(16), optim)
    model.update_ema_teacher()  # and after every step
    student = dict(model.student.named_parameters())
    for k, p in model.teachers.t2.named_parameters():
        torch.testing.assert_close(p, 0.5 * teacher_before[k] + 0.5 * student[k])
    assert any(k.startswith('teachers.t2.') for k in model.state_dict())  # saved
    teachers['t2'] = dict(model=copy.deepcopy(STUDENT), policy='mean')
    with pytest.raises(KDConfigError, match=r"teachers\.t2\.policy='mean' is not valid"):
        build(ckpts, teachers=teachers)


def test_ema_teachers_start_from_the_student_unless_a_checkpoint_gives_them(ckpts, tmp_path):
    """Two EMA teachers, one from a checkpoint: starting copies the student into the other
    only."""
    student_ckpt = tmp_path / 'ema_start.pth'
    torch.manual_seed(3)
    torch.save({'state_dict': build_classifier(STUDENT).state_dict()}, student_ckpt)
    teachers = {name: dict(model=copy.deepcopy(cfg), ckpt=path)
                for name, (cfg, path) in ckpts.items()}
    teachers['t2'] = dict(policy='ema', ckpt=str(student_ckpt))
    teachers['t3'] = dict(policy='ema')
    distiller = dict(
        type='MultiTeacherDistiller', student_recorders=LOGITS,
        teacher_recorders=dict(t1=LOGITS, t2=LOGITS, t3=LOGITS),
        distill_losses=dict(loss_kd=dict(type='MultiTeacherKLDivergence', tau=4)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False, teacher='all'))))
    model = build(ckpts, teachers=teachers, distiller=distiller)
    loaded = {k: v.clone() for k, v in model.teachers.t2.state_dict().items()}
    model.start_ema_teacher()
    student = model.student.state_dict()
    assert all(torch.equal(model.teachers.t3.state_dict()[k], v) for k, v in student.items())
    assert all(torch.equal(model.teachers.t2.state_dict()[k], v) for k, v in loaded.items())
    assert not torch.equal(loaded['head.fc.weight'], student['head.fc.weight'])
