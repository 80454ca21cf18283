"""Trainable feature connectors and ReviewKD: outputs of the reference modules' own code with
the same weights (``tests/data/make_feature_loss_reference.py``), and hand-computed values."""
import copy
import gzip
import json
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import hcl
from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError

from helpers import build_kd, digits_batch

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
with gzip.open(osp.join(DATA, 'feature_module_reference.json.gz'), 'rt') as f:
    REF = json.load(f)


def tensors(state):
    return {k: torch.tensor(v) for k, v in state.items()}


def build(cfg):
    return MODELS.build(copy.deepcopy(cfg))


def test_paraphraser_translator_and_ft_match_the_reference():
    f_s = torch.tensor(REF['features']['student'])
    f_t = torch.tensor(REF['features']['teacher'])
    para = build(dict(type='Paraphraser', in_channels=8))
    trans = build(dict(type='Translator', in_channels=6, teacher_channels=8))
    para.load_state_dict(tensors(REF['paraphraser']))  # strict: same layout as the reference
    trans.load_state_dict(tensors(REF['translator']))
    para.eval(), trans.eval()
    rec = F.mse_loss(para.reconstruct(f_t), f_t).item()
    assert rec == pytest.approx(REF['reconstruction_mse'], rel=1e-5)
    ft = build(dict(type='FTLoss', mode='repdistiller'))(trans(f_s), para(f_t)).item()
    assert ft == pytest.approx(REF['ft_loss'], rel=1e-5)
    assert para(f_t).shape[1] == trans(f_s).shape[1] == 4  # int(8 * 0.5) factor channels


@pytest.mark.parametrize('case', REF['conv_reg'], ids=lambda c: f'{c["in_size"]}to{c["out_size"]}')
def test_hint_regressor_matches_the_benchmark_regressor(case):
    reg = build(dict(type='HintRegressor', in_channels=6, out_channels=8,
                     in_size=case['in_size'], out_size=case['out_size']))
    reg.load_state_dict(tensors(case['weights']))
    reg.eval()
    out = reg(torch.tensor(case['input']))
    torch.testing.assert_close(out, torch.tensor(case['output']), rtol=1e-5, atol=1e-6)


def test_hint_regressor_refuses_a_smaller_student_map():
    with pytest.raises(KDConfigError, match='cannot be regressed'):
        build(dict(type='HintRegressor', in_channels=4, out_channels=8, in_size=3, out_size=8))


@pytest.mark.parametrize('case', REF['reviewkd'], ids=lambda c: f'seed{c["seed"]}')
def test_reviewkd_fusion_and_hcl_match_mdistiller(case):
    s_ch, t_ch = case['s_channels'], case['t_channels']
    fusion = build(dict(type='ReviewKDFusion', in_channels=s_ch + s_ch[-1:],
                        out_channels=t_ch + t_ch[-1:], out_sizes=case['t_sizes'] + [1]))
    for level, weights in zip(fusion.levels, case['levels']):
        level.load_state_dict(tensors(weights))
    fusion.train()  # the reference value is from a training step (batch-statistics BN)
    student = tuple(torch.tensor(x) for x in case['student'])
    teacher = tuple(torch.tensor(x) for x in case['teacher'])
    fused = fusion(student)
    assert [tuple(f.shape[1:]) for f in fused] == \
        [(c, s, s) for c, s in zip(t_ch, case['t_sizes'])] + [(t_ch[-1], 1, 1)]
    # mdistiller's value is at epoch 40, past its 20-epoch warm-up
    loss = build(dict(type='HCLLoss', loss_weight=case['weight']))(fused, teacher)
    assert loss.item() == pytest.approx(case['loss'], rel=1e-5)


def test_hcl_by_hand():
    rng = np.random.default_rng(0)
    s, t = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(2, 3, 8, 8))

    def pool(x, k):
        return x.reshape(2, 3, k, 8 // k, k, 8 // k).mean(axis=(3, 5))

    # levels 4, 2, 1 (all < 8) with weights 1/2, 1/4, 1/8
    terms = [((s - t)**2).mean()] + [w * ((pool(s, k) - pool(t, k))**2).mean()
                                     for k, w in ((4, .5), (2, .25), (1, .125))]
    expected = sum(terms) / (1 + .5 + .25 + .125)
    got = hcl(torch.tensor(s), torch.tensor(t)).item()
    assert got == pytest.approx(expected, rel=1e-10)
    # a 2x2 map only has the 1x1 level (weight 1/2)
    s2, t2 = s[:, :, :2, :2], t[:, :, :2, :2]
    expected2 = (((s2 - t2)**2).mean() + .5 * ((s2.mean((2, 3)) - t2.mean((2, 3)))**2).mean()) / 1.5
    assert hcl(torch.tensor(s2), torch.tensor(t2)).item() == pytest.approx(expected2, rel=1e-10)


def paraphraser_distiller(view):
    feat = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'))
    return dict(
        type='ConfigurableDistiller', student_recorders=feat, teacher_recorders=feat,
        connectors=dict(para=dict(type='Paraphraser', in_channels=32)),
        distill_losses=dict(loss_rec=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_rec=dict(
            preds_S=dict(recorder='feat', from_student=False, connector=view),
            preds_T=dict(recorder='feat', from_student=False))))


def test_a_mapping_names_a_connector_view(teacher_ckpt):
    model = build_kd(teacher_ckpt, paraphraser_distiller('para.reconstruct'),
                     calculate_student_loss=False)
    data = model.data_preprocessor(digits_batch(4), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'distill.loss_rec'} and losses['distill.loss_rec'] > 0
    with pytest.raises(KDConfigError, match=r"connector='para.rebuild'.*views are \['reconstruct'\]"):
        build_kd(teacher_ckpt, paraphraser_distiller('para.rebuild'))
    bad = paraphraser_distiller('para')
    bad['connectors']['proj'] = dict(type='PoolConnector')
    bad['loss_forward_mappings']['loss_rec']['preds_T']['connector'] = 'proj.reconstruct'
    with pytest.raises(KDConfigError, match='PoolConnector has no view .reconstruct.; it has no views'):
        build_kd(teacher_ckpt, bad)


def two_stage_records(student_tap, teacher_tap):
    return (dict(s1=dict(type='ModuleOutputs', source='backbone.stages.0'),
                 s2=dict(type='ModuleOutputs', source='backbone.stages.1'),
                 pooled=dict(type='ModuleInputs', source='head.fc')),
            dict(s1=dict(type='ModuleOutputs', source=teacher_tap.format(0)),
                 s2=dict(type='ModuleOutputs', source=teacher_tap.format(1)),
                 pooled=dict(type='ModuleInputs', source='head.fc')))


def feature_kd(connectors, loss, preds_S, preds_T, records=None):
    feat = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'))
    student, teacher = records or (feat, feat)
    return dict(type='ConfigurableDistiller', student_recorders=student,
                teacher_recorders=teacher, connectors=connectors,
                distill_losses=dict(loss_feat=loss),
                loss_forward_mappings=dict(loss_feat=dict(preds_S=preds_S, preds_T=preds_T)))


# digits test pair: student stages (8, 8x8), (16, 4x4); teacher (16, 8x8), (32, 4x4)
TRAINED = {
    'FT (translator vs frozen paraphraser)': feature_kd(
        dict(trans=dict(type='Translator', in_channels=16, teacher_channels=32),
             para=dict(type='Paraphraser', in_channels=32)),
        dict(type='FTLoss', mode='repdistiller', loss_weight=100.0),
        dict(recorder='feat', from_student=True, connector='trans'),
        dict(recorder='feat', from_student=False, connector='para')),
    'ReviewKD': feature_kd(
        dict(review=dict(type='ReviewKDFusion', in_channels=[8, 16, 16],
                         out_channels=[16, 32, 32], out_sizes=[8, 4, 1])),
        dict(type='HCLLoss'),
        dict(recorder=['s1', 's2', 'pooled'], from_student=True, connector='review'),
        dict(recorder=['s1', 's2', 'pooled'], from_student=False),
        two_stage_records('backbone.stages.{}', 'backbone.stages.{}.0.bn')),
    'FitNets regressor (8x8 student map to the 4x4 teacher map)': feature_kd(
        dict(reg=dict(type='HintRegressor', in_channels=8, out_channels=32, in_size=8,
                      out_size=4)),
        dict(type='L2Loss'),
        dict(recorder='s1', from_student=True, connector='reg'),
        dict(recorder='s2', from_student=False),
        two_stage_records('backbone.stages.{}', 'backbone.stages.{}')),
}


@pytest.mark.parametrize('name', list(TRAINED))
def test_training_steps_lower_the_loss(teacher_ckpt, name):
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = build_kd(teacher_ckpt, distiller=TRAINED[name], calculate_student_loss=False)
    if 'paraphraser' in name:  # frozen, as in FT's main stage
        model.set_training_stage(frozen=['distiller.connectors.para'])
    params = [p for p in model.parameters() if p.requires_grad]
    optim = OptimWrapper(torch.optim.SGD(params, lr=0.05, momentum=0.9))
    model.train()
    data = digits_batch(32)
    history = [model.train_step(data, optim)['distill.loss_feat'].item() for _ in range(25)]
    assert history[-1] < 0.9 * history[0], history
