import copy

import pytest
import torch
import torch.nn as nn

from mmkd.models.distillers import ConfigurableDistiller
from mmkd.registry import MODELS
from mmkd.utils import KDConfigError

from helpers import LOGITS_KD


def build(**changes):
    cfg = copy.deepcopy(LOGITS_KD)
    cfg.pop('type')
    cfg.update(changes)
    return ConfigurableDistiller(**cfg)


def test_unknown_loss_type_names_the_key_and_the_closest_loss():
    with pytest.raises(KDConfigError, match=r"distill_losses\.loss_kd\.type='KLDivergance'.*'KLDivergence'"):
        build(distill_losses=dict(loss_kd=dict(type='KLDivergance')))


def test_loss_name_must_contain_loss():
    with pytest.raises(KDConfigError, match='must contain "loss"'):
        build(distill_losses=dict(kd=dict(type='KLDivergence')),
              loss_forward_mappings=dict(kd=LOGITS_KD['loss_forward_mappings']['loss_kd']))


def test_missing_recorder_lists_the_recorders():
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_T']['recorder'] = 'logit'
    with pytest.raises(KDConfigError, match=r"loss_kd\.preds_T\.recorder='logit'.*teacher_recorders.*'logits'"):
        build(loss_forward_mappings=m)


def test_wrong_argument_name_suggests_the_right_one():
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_s'] = m['loss_kd'].pop('preds_S')
    with pytest.raises(KDConfigError, match=r"no argument 'preds_s'.*'preds_S'"):
        build(loss_forward_mappings=m)


def test_unmapped_required_argument_and_missing_mapping():
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    del m['loss_kd']['preds_T']
    with pytest.raises(KDConfigError, match=r"does not map \['preds_T'\]"):
        build(loss_forward_mappings=m)
    with pytest.raises(KDConfigError, match='loss_kd is missing'):
        build(loss_forward_mappings=dict())


def test_mapping_entry_keys_are_checked():
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_S']['from_studnet'] = True
    with pytest.raises(KDConfigError, match="unknown key.*from_studnet"):
        build(loss_forward_mappings=m)
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_S']['connector'] = 'proj'
    with pytest.raises(KDConfigError, match="connector='proj'"):
        build(loss_forward_mappings=m)


def test_unused_connector_is_an_error():
    with pytest.raises(KDConfigError, match='not used'):
        build(connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=4, out_channel=8)))


def test_batch_inputs_are_not_mapped_and_are_filled_from_the_batch():

    @MODELS.register_module(force=True)
    class _LabelAwareLoss(nn.Module):

        def forward(self, preds_S, preds_T, gt_labels):
            self.seen = gt_labels
            return (preds_S - preds_T).abs().mean()

    m = dict(loss_x=dict(preds_S=dict(recorder='logits', from_student=True),
                         preds_T=dict(recorder='logits', from_student=False)))
    d = build(distill_losses=dict(loss_x=dict(type='_LabelAwareLoss')), loss_forward_mappings=m)
    bad = copy.deepcopy(m)
    bad['loss_x']['gt_labels'] = dict(recorder='logits', from_student=True)
    with pytest.raises(KDConfigError, match='comes from the batch'):
        build(distill_losses=dict(loss_x=dict(type='_LabelAwareLoss')), loss_forward_mappings=bad)

    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i) for i in (3, 1)]
    for manager in (d.student_recorders, d.teacher_recorders):
        manager.get_recorder('logits').data_buffer = [torch.ones(2, 10)]
    losses = d.compute_distill_losses(samples)
    assert set(losses) == {'loss_x'}
    assert d.distill_losses['loss_x'].seen.tolist() == [3, 1]


def test_wrong_loss_argument_lists_the_valid_ones():
    with pytest.raises(KDConfigError, match=r"distill_losses\.loss_kd.*temperature.*takes \['tau', 'reduction'"):
        build(distill_losses=dict(loss_kd=dict(type='KLDivergence', temperature=4)))


def test_record_and_data_indices_are_checked():
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_S']['record_idx'] = -1
    with pytest.raises(KDConfigError, match=r'preds_S\.record_idx must be an int >= 0'):
        build(loss_forward_mappings=m)
    m = copy.deepcopy(LOGITS_KD['loss_forward_mappings'])
    m['loss_kd']['preds_S']['record_idx'] = 1  # head.fc runs once per forward
    d = build(loss_forward_mappings=m)
    for manager in (d.student_recorders, d.teacher_recorders):
        manager.get_recorder('logits').data_buffer = [torch.ones(2, 10)]
    with pytest.raises(KDConfigError, match=r'loss_kd\.preds_S: .*record_idx=1 does not exist'):
        d.compute_distill_losses([])


def _two_stages(**preds_S_extra):
    stages = dict(s0=dict(type='ModuleOutputs', source='backbone.stages.0'),
                  s1=dict(type='ModuleOutputs', source='backbone.stages.1'))
    return dict(
        type='ConfigurableDistiller', student_recorders=stages, teacher_recorders=stages,
        distill_losses=dict(loss_at=dict(type='ATLoss')),
        loss_forward_mappings=dict(loss_at=dict(
            preds_S=dict(recorder=['s0', 's1'], from_student=True, **preds_S_extra),
            preds_T=dict(recorder=['s0', 's1'], from_student=False))))


def test_several_records_in_one_argument(teacher_ckpt):
    """recorder=[...] gives a tuple of the records in order; an ATLoss over two stages equals
    the sum of the two single-stage losses."""
    from mmkd.models.losses import at_loss
    from helpers import build_kd, digits_batch
    model = build_kd(teacher_ckpt, distiller=_two_stages()).eval()
    data = model.data_preprocessor(digits_batch(8), training=False)
    losses = model(**data, mode='loss')
    def stages(net, x):
        out = []
        for stage in net.backbone.stages:
            x = stage(x)
            out.append(x)
        return out

    with torch.no_grad():
        fs, ft = stages(model.student, data['inputs']), stages(model.teacher, data['inputs'])
    expected = at_loss(fs[0], ft[0]) + at_loss(fs[1], ft[1])
    assert losses['distill.loss_at'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_connectors_per_record_or_over_the_tuple(teacher_ckpt):
    from helpers import build_kd, digits_batch
    cfg = _two_stages(connector=['p0', None])
    cfg['connectors'] = dict(p0=dict(type='ConvModuleConnector', in_channel=8, out_channel=16))
    model = build_kd(teacher_ckpt, distiller=cfg)
    data = model.data_preprocessor(digits_batch(4), training=True)
    with model.distiller.student_recorders, model.distiller.teacher_recorders:
        model.teacher(data['inputs'], mode='tensor')
        model.student(data['inputs'], mode='tensor')
    spec = model.distiller.loss_forward_mappings['loss_at']['preds_S']
    s0, s1 = model.distiller.get_record(spec)
    assert s0.shape[1] == 16 and s1.shape[1] == 16  # 8 -> 16 through p0; stage 1 as recorded
    with pytest.raises(KDConfigError, match=r'preds_S\.connector: a list of connectors goes with'):
        build_kd(teacher_ckpt, distiller=dict(_two_stages(connector=['p0']),
                                              connectors=cfg['connectors']))
    with pytest.raises(KDConfigError, match=r"preds_S\.recorder\[1\].*'s2'"):
        bad = _two_stages()
        bad['loss_forward_mappings']['loss_at']['preds_S']['recorder'] = ['s0', 's2']
        build_kd(teacher_ckpt, distiller=bad)


LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))


def sourced(**mappings):
    return ConfigurableDistiller(
        student_recorders=LOGITS, recorders=dict(peer1=LOGITS, peer2=LOGITS),
        distill_losses={name: dict(type='KLDivergence') for name in mappings},
        loss_forward_mappings=mappings)


def test_named_sources_and_their_errors():
    d = sourced(loss_a=dict(preds_S=dict(recorder='logits', source='student'),
                            preds_T=dict(recorder='logits', source='peer2')))
    assert list(d.sources) == ['student', 'peer1', 'peer2']
    spec = d.loss_forward_mappings['loss_a']['preds_T']
    assert spec['sources'] == ('peer2', ) and not spec['several_sources']
    d = sourced(loss_a=dict(preds_S=dict(recorder='logits', from_student=True),
                            preds_T=dict(recorder='logits', source='all')))
    assert d.loss_forward_mappings['loss_a']['preds_T']['sources'] == ('peer1', 'peer2')
    with pytest.raises(KDConfigError, match=r"preds_T\.source='peer3' is not a record source.*"
                                            r"'peer1', 'peer2'.*Did you mean"):
        sourced(loss_a=dict(preds_S=dict(recorder='logits', source='student'),
                            preds_T=dict(recorder='logits', source='peer3')))
    with pytest.raises(KDConfigError, match='either source=... or from_student'):
        sourced(loss_a=dict(preds_S=dict(recorder='logits', source='student', from_student=True),
                            preds_T=dict(recorder='logits', source='peer1')))
    with pytest.raises(KDConfigError, match=r'preds_T needs source=\.\.\.'):
        sourced(loss_a=dict(preds_S=dict(recorder='logits', source='student'),
                            preds_T=dict(recorder='logits')))
    with pytest.raises(KDConfigError, match=r"recorders\.peer1: there is already a record source"):
        ConfigurableDistiller(teacher_recorders=dict(peer1=LOGITS), recorders=dict(peer1=LOGITS))


def test_record_runs_a_model_only_when_a_loss_reads_it_this_step(teacher_ckpt):
    from helpers import build_kd, digits_batch
    model = build_kd(teacher_ckpt)
    calls = []
    model.teacher.register_forward_hook(lambda *a: calls.append(1))
    data = model.data_preprocessor(digits_batch(4), training=True)
    model(**data, mode='loss')
    assert calls == [1]
    model.distiller.set_loss_weight_factors(dict(loss_kd=0.0), 'test')
    losses = model(**data, mode='loss')
    assert calls == [1] and set(losses) == {'student.loss'}  # KD off: no teacher pass
    assert model.distiller.needs('teacher') is False
    with pytest.raises(KDConfigError, match="no record source 'teachr'"):
        model.distiller.set_active_sources(['teachr'])


def test_early_exit_passes_through_a_models_own_except_exception(teacher_ckpt):
    """The early-exit signal is not an Exception: a model that catches Exception around its
    layers (as some models do for optional inputs) is still stopped."""
    from helpers import build_kd, digits_batch
    from mmkd.models.recorders import ForwardComplete
    assert not issubclass(ForwardComplete, Exception)
    hint = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=16, out_channel=32)),
        distill_losses=dict(loss_hint=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='proj'),
            preds_T=dict(recorder='feat', from_student=False))))
    model = build_kd(teacher_ckpt, distiller=hint)
    backbone = model.teacher.backbone
    original = backbone.forward

    def guarded(x):
        try:
            return original(x)
        except Exception:  # noqa: BLE001  (what the test is about)
            return (torch.zeros(1), )

    backbone.forward = guarded
    head_calls = []
    model.teacher.head.register_forward_hook(lambda *a: head_calls.append(1))
    data = model.data_preprocessor(digits_batch(4), training=True)
    model(**data, mode='loss')
    model(**data, mode='loss')
    assert len(head_calls) == 1  # the second pass stopped after stages.1, not swallowed
