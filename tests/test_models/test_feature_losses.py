"""Feature-based losses: values of the reference implementations' own code on stored tensors
(``tests/data/make_feature_loss_reference.py``), hand-computed NumPy references, the OFD margin
against the Gaussian expectation, and a few training steps that lower each loss."""
import copy
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper

from mmkd.models.losses import ofd_margin
from mmkd.registry import MODELS

from helpers import build_kd, digits_batch

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
sys.path.insert(0, DATA)
from make_feature_loss_reference import reference_features  # noqa: E402

with open(osp.join(DATA, 'feature_loss_reference.json')) as f:
    CASES = json.load(f)['cases']


def build(cfg):
    return MODELS.build(copy.deepcopy(cfg))


@pytest.mark.parametrize('case', CASES, ids=lambda c: f'seed{c["seed"]}')
def test_feature_losses_match_the_reference_code(case):
    f_s, f_t = reference_features(case['seed'])
    same_s, same_t = reference_features(case['seed'], (4, 16, 4, 4), (4, 16, 4, 4))

    def check(cfg, s, t, key):
        value = build(cfg)(preds_S=s, preds_T=t).item()
        assert value == pytest.approx(case[key], rel=1e-5, abs=1e-7), key

    check(dict(type='ATLoss'), f_s, f_t, 'ATLoss')
    check(dict(type='NSTLoss'), f_s, f_t, 'NSTLoss')
    check(dict(type='FTLoss', mode='repdistiller'), f_s, f_t, 'FTLoss_repdistiller')
    check(dict(type='ABLoss', margin=1.0), same_s, same_t, 'ABLoss')
    check(dict(type='ChannelWiseDivergence', tau=4.0), same_s, same_t,
          'ChannelWiseDivergence_tau4')
    check(dict(type='PKDLoss'), same_s, same_t, 'PKDLoss')
    vid = build(dict(type='VIDLoss', in_channels=8, mid_channels=12, out_channels=16))
    vid.regressor.load_state_dict({k: torch.tensor(v) for k, v in case['VID_regressor'].items()})
    assert vid(f_s, f_t).item() == pytest.approx(case['VIDLoss'], rel=1e-5)
    margin = ofd_margin(torch.tensor(case['ofd_gamma']), torch.tensor(case['ofd_beta']))
    np.testing.assert_allclose(margin.numpy(), case['ofd_margin'], rtol=1e-5, atol=1e-6)
    target = torch.maximum(same_t, margin.view(1, -1, 1, 1))  # the OFD teacher connector
    assert build(dict(type='OFDLoss'))(same_s, target).item() == pytest.approx(case['OFDLoss'],
                                                                               rel=1e-5)


def np_normalize(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def np_pool(f, size):
    b, c, h, w = f.shape
    k = h // size
    return f.reshape(b, c, size, k, size, k).mean(axis=(3, 5))


def test_at_code_and_paper_forms_by_hand():
    f_s, f_t = (t.double() for t in reference_features(3))
    s, t = np_pool(f_s.numpy(), 4), f_t.numpy()  # the 8x8 student map pooled to 4x4
    a_s = np_normalize((s ** 2).mean(1).reshape(4, -1))
    a_t = np_normalize((t ** 2).mean(1).reshape(4, -1))
    code = ((a_s - a_t) ** 2).mean()
    paper = np.linalg.norm(a_s - a_t, axis=1).mean()  # sum over channels: the same after norm
    assert build(dict(type='ATLoss'))(f_s, f_t).item() == pytest.approx(code, rel=1e-10)
    assert build(dict(type='ATLoss', mode='paper', loss_weight=0.5))(f_s, f_t).item() == \
        pytest.approx(0.5 * paper, rel=1e-10)
    # several layers in one argument: the sum
    two = build(dict(type='ATLoss'))([f_s, f_s], [f_t, f_t]).item()
    assert two == pytest.approx(2 * code, rel=1e-10)
    with pytest.raises(ValueError, match='same length'):
        build(dict(type='ATLoss'))([f_s], [f_t, f_t])


def test_nst_by_hand():
    f_s, f_t = (t.double() for t in reference_features(4))
    s = np_pool(f_s.numpy(), 4).reshape(4, 8, -1)
    t = f_t.numpy().reshape(4, 16, -1)
    s = s / np.linalg.norm(s, axis=2, keepdims=True)
    t = t / np.linalg.norm(t, axis=2, keepdims=True)

    def k(a, b):  # mean over samples and channel pairs of (a_i . b_j)^2
        return np.mean(np.einsum('bid,bjd->bij', a, b) ** 2)

    expected = k(t, t) + k(s, s) - 2 * k(s, t)
    assert build(dict(type='NSTLoss'))(f_s, f_t).item() == pytest.approx(expected, rel=1e-10)


def test_ab_and_ofd_by_hand():
    s, t = (x.double() for x in reference_features(5, (2, 3, 2, 2), (2, 3, 2, 2)))
    sn, tn = s.numpy(), t.numpy()
    ab = ((sn + 1) ** 2 * ((sn > -1) & (tn <= 0)) + (sn - 1) ** 2 * ((sn <= 1) & (tn > 0)))
    assert build(dict(type='ABLoss'))(s, t).item() == pytest.approx(ab.sum() / 2, rel=1e-10)
    m = np.array([-0.5, -0.1, -2.0]).reshape(1, 3, 1, 1)
    tp = np.maximum(tn, m)
    # mdistiller's three cases, written out
    ofd = ((sn - m) ** 2 * ((sn > m) & (tn <= m)) + (sn - tn) ** 2 * ((sn > tn) & (tn > m) &
           (tn <= 0)) + (sn - tn) ** 2 * (tn > 0))
    got = build(dict(type='OFDLoss'))(s, torch.from_numpy(tp)).item()
    assert got == pytest.approx(ofd.sum() / 2, rel=1e-10)


def test_ofd_margin_is_the_gaussian_expectation_below_zero():
    gamma = torch.tensor([1.0, 0.5, -2.0, 0.3, 1.0])
    beta = torch.tensor([0.0, 1.0, -1.0, 0.2, 5.0])  # last: P(x<0) < 1e-3 -> -3 gamma
    margin = ofd_margin(gamma, beta).double().numpy()
    for i in range(4):
        s, m = abs(float(gamma[i])), float(beta[i])
        x = np.linspace(m - 12 * s, 0.0, 400001)
        pdf = np.exp(-0.5 * ((x - m) / s) ** 2)
        expected = np.trapezoid(x * pdf, x) / np.trapezoid(pdf, x)
        assert margin[i] == pytest.approx(expected, rel=1e-6), i
    assert margin[4] == pytest.approx(-3.0, rel=1e-6)
    assert margin[0] == pytest.approx(-np.sqrt(2 / np.pi), rel=1e-6)  # half-normal mean


def test_ft_cwd_pkd_vid_by_hand():
    f_s, f_t = (x.double() for x in reference_features(6, (4, 16, 4, 4), (4, 16, 4, 4)))
    s, t = f_s.numpy(), f_t.numpy()
    flat = np.abs(np_normalize(s.reshape(4, -1)) - np_normalize(t.reshape(4, -1))).mean()
    assert build(dict(type='FTLoss'))(f_s, f_t).item() == pytest.approx(flat, rel=1e-10)

    def log_softmax(x):
        x = x - x.max(1, keepdims=True)
        return x - np.log(np.exp(x).sum(1, keepdims=True))

    lps, lpt = log_softmax(s.reshape(64, -1) / 2), log_softmax(t.reshape(64, -1) / 2)
    cwd = (np.exp(lpt) * (lpt - lps)).sum() * 4 / 64
    assert build(dict(type='ChannelWiseDivergence', tau=2.0))(f_s, f_t).item() == \
        pytest.approx(cwd, rel=1e-10)
    # a student map of another size is resized to the teacher's, not refused
    big = torch.nn.functional.interpolate(f_s, size=(8, 8), mode='bilinear')
    assert torch.isfinite(build(dict(type='ChannelWiseDivergence'))(big, f_t))

    def standardize(x):
        flat = x.transpose(1, 0, 2, 3).reshape(16, -1)
        return (flat - flat.mean(1, keepdims=True)) / (flat.std(1, ddof=1, keepdims=True) + 1e-6)

    pkd = ((standardize(s) - standardize(t)) ** 2).mean() / 2
    assert build(dict(type='PKDLoss'))(f_s, f_t).item() == pytest.approx(pkd, rel=1e-8)

    vid = build(dict(type='VIDLoss', in_channels=16, mid_channels=8, out_channels=16,
                     init_pred_var=5.0)).double()
    var = vid.variance().detach().numpy()
    assert var == pytest.approx(np.full(16, 5.0), rel=1e-6)
    mu = vid.regressor(f_s).detach().numpy()
    nll = (0.5 * ((mu - t) ** 2 / var.reshape(1, -1, 1, 1) + np.log(var).reshape(1, -1, 1, 1)))
    assert vid(f_s, f_t).item() == pytest.approx(nll.mean(), rel=1e-10)


def feature_distiller(loss, student='backbone.stages.1', teacher='backbone.stages.1',
                      connector=None):
    cfg = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=student)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=teacher)),
        distill_losses=dict(loss_feat=loss),
        loss_forward_mappings=dict(loss_feat=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False))))
    if connector is not None:
        cfg['connectors'] = dict(proj=connector)
        cfg['loss_forward_mappings']['loss_feat']['preds_S']['connector'] = 'proj'
    return cfg


TO_TEACHER = dict(type='ConvModuleConnector', in_channel=16, out_channel=32, kernel_size=1,
                  norm_cfg=dict(type='BN'), act_cfg=None)
PRE_RELU = 'backbone.stages.1.0.bn'


# VID's negative log-likelihood falls more slowly (its variance term starts at log 5).
@pytest.mark.parametrize('distiller, factor', [(d, 0.95 if 'VID' in str(d) else 0.9) for d in [
    feature_distiller(dict(type='ATLoss', loss_weight=1000.0)),
    feature_distiller(dict(type='NSTLoss', loss_weight=50.0)),
    feature_distiller(dict(type='FTLoss', mode='repdistiller', loss_weight=100.0)),
    feature_distiller(dict(type='VIDLoss', in_channels=16, mid_channels=32, out_channels=32,
                           loss_weight=20.0)),
    feature_distiller(dict(type='PKDLoss', loss_weight=5.0), connector=TO_TEACHER),
    feature_distiller(dict(type='ChannelWiseDivergence', tau=1.0), connector=TO_TEACHER),
    feature_distiller(dict(type='ABLoss', loss_weight=0.01), PRE_RELU, PRE_RELU, TO_TEACHER),
]], ids=['AT', 'NST', 'FT', 'VID', 'PKD', 'CWD', 'AB'])
def test_training_steps_lower_the_feature_loss(teacher_ckpt, distiller, factor):
    torch.manual_seed(0)
    model = build_kd(teacher_ckpt, distiller=distiller, calculate_student_loss=False)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = OptimWrapper(torch.optim.SGD(params, lr=0.05, momentum=0.9))
    model.train()
    data = digits_batch(32)
    history = [model.train_step(data, optim)['distill.loss_feat'].item() for _ in range(25)]
    assert history[-1] < factor * history[0], history


OFD = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat=dict(type='ModuleOutputs', source=PRE_RELU)),
    teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=PRE_RELU)),
    connectors=dict(proj=TO_TEACHER,
                    margin=dict(type='OFDTeacherConnector', bn=PRE_RELU, channels=32)),
    distill_losses=dict(loss_feat=dict(type='OFDLoss', loss_weight=0.01)),
    loss_forward_mappings=dict(loss_feat=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='proj'),
        preds_T=dict(recorder='feat', from_student=False, connector='margin'))))


def test_ofd_teacher_connector_takes_its_margin_from_the_loaded_teacher(teacher_ckpt, tmp_path):
    from mmkd.utils import KDConfigError
    model = build_kd(teacher_ckpt, distiller=OFD)
    bn = model.teacher.get_submodule(PRE_RELU)
    margin = model.distiller.connectors.margin.margin
    torch.testing.assert_close(margin, ofd_margin(bn.weight, bn.bias))
    assert (margin < 0).all()
    # it is saved with the student side, so a test without the teacher has it
    state = model.state_dict()
    assert 'distiller.connectors.margin.margin' in state
    alone = build_kd(str(tmp_path / 'gone.pth'), distiller=OFD, student_only=True)
    alone.load_state_dict(state)
    torch.testing.assert_close(alone.distiller.connectors.margin.margin, margin)
    t = torch.randn(2, 32, 4, 4)
    torch.testing.assert_close(model.distiller.connectors.margin(t),
                               torch.maximum(t, margin.view(1, -1, 1, 1)))
    bad = copy.deepcopy(OFD)
    bad['connectors']['margin']['bn'] = 'backbone.stages.1.0.conv'
    with pytest.raises(KDConfigError, match=r'connectors\.margin\.bn=.*not a BatchNorm.*'
                                            r'Did you mean'):
        build_kd(teacher_ckpt, distiller=bad)
    # and it trains
    torch.manual_seed(0)
    optim = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                                         lr=0.05, momentum=0.9))
    model.train()
    data = digits_batch(32)
    history = [model.train_step(data, optim)['distill.loss_feat'].item() for _ in range(25)]
    assert history[-1] < 0.9 * history[0]


def test_op_connectors():
    x = torch.randn(2, 4, 6, 6)
    assert build(dict(type='PoolConnector'))(x).shape == (2, 4, 1, 1)
    assert build(dict(type='PoolConnector', output_size=2, mode='max',
                      flatten=True))(x).shape == (2, 16)
    assert build(dict(type='InterpolateConnector', size=3))(x).shape == (2, 4, 3, 3)
    assert build(dict(type='FlattenConnector'))(x).shape == (2, 144)
    y = build(dict(type='NormalizeConnector'))(torch.randn(3, 5))
    torch.testing.assert_close(y.norm(dim=1), torch.ones(3))
    assert build(dict(type='LinearConnector', in_channels=144, out_channels=7))(x).shape == (2, 7)
    mlp = build(dict(type='LinearConnector', in_channels=144, out_channels=7,
                     hidden_channels=16, norm=True))
    assert mlp(x).shape == (2, 7) and isinstance(mlp.proj[1], torch.nn.BatchNorm1d)
    with pytest.raises(ValueError, match="choose 'avg' or 'max'"):
        build(dict(type='PoolConnector', mode='min'))
