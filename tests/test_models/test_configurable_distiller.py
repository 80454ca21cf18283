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
