"""Relation-based losses: values of the reference implementations' own code on stored tensors
(``tests/data/make_relation_loss_reference.py``), NumPy references computed by hand, errors."""
import copy
import json
import math
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from mmkd.registry import MODELS

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
sys.path.insert(0, DATA)
from make_relation_loss_reference import relation_features  # noqa: E402

with open(osp.join(DATA, 'relation_loss_reference.json')) as f:
    CASES = json.load(f)['cases']


def build(cfg):
    return MODELS.build(copy.deepcopy(cfg))


@pytest.mark.parametrize('case', CASES, ids=lambda c: f'seed{c["seed"]}')
def test_relation_losses_match_the_reference_code(case):
    emb_s, emb_t, maps_s, maps_t, sp_s, sp_t = relation_features(case['seed'])

    def check(cfg, s, t, key):
        assert build(cfg)(s, t).item() == pytest.approx(case[key], rel=1e-5, abs=1e-8), key

    check(dict(type='DistanceWiseRKD', loss_weight=1.0), emb_s, emb_t, 'rkd_distance')
    check(dict(type='AngleWiseRKD', loss_weight=1.0), emb_s, emb_t, 'rkd_angle')
    check(dict(type='DistanceWiseRKD', loss_weight=1.0, with_l2_norm=True), emb_s, emb_t,
          'mmrazor_distance')
    check(dict(type='AngleWiseRKD', loss_weight=1.0, with_l2_norm=True), emb_s, emb_t,
          'mmrazor_angle')
    check(dict(type='FSPLoss'), tuple(maps_s), tuple(maps_t), 'fsp')
    check(dict(type='SPLoss'), sp_s, sp_t, 'sp')
    check(dict(type='CCLoss', mode='repdistiller'), emb_s, emb_t[:, :16], 'cc_repdistiller')
    check(dict(type='PKTLoss'), emb_s, emb_t, 'pkt')


def smooth_l1(a, b):
    d = np.abs(a - b)
    return np.where(d < 1, 0.5 * d**2, d - 0.5).mean()


def test_rkd_by_hand():
    rng = np.random.default_rng(0)
    s, t = rng.normal(size=(5, 7)), rng.normal(size=(5, 3))

    def psi_d(e):
        d = np.sqrt(((e[:, None] - e[None]) ** 2).sum(-1))
        return d / d[~np.eye(len(e), dtype=bool)].mean()

    def psi_a(e):
        out = np.zeros((5, 5, 5))
        for j in range(5):
            for i in range(5):
                for k in range(5):
                    u, v = e[i] - e[j], e[k] - e[j]
                    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
                    out[j, i, k] = (u / max(nu, 1e-12)) @ (v / max(nv, 1e-12))
        return out

    ts, tt = torch.tensor(s), torch.tensor(t)
    assert build(dict(type='DistanceWiseRKD'))(ts, tt).item() == pytest.approx(
        25 * smooth_l1(psi_d(s), psi_d(t)), rel=1e-9)
    assert build(dict(type='AngleWiseRKD'))(ts, tt).item() == pytest.approx(
        50 * smooth_l1(psi_a(s), psi_a(t)), rel=1e-9)


def test_sp_pkt_cc_fsp_by_hand():
    rng = np.random.default_rng(1)
    s, t = rng.normal(size=(4, 3, 2, 2)), rng.normal(size=(4, 5, 3, 3))
    fs, ft = s.reshape(4, -1), t.reshape(4, -1)

    def g(f):
        m = f @ f.T
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    sp = ((g(ft) - g(fs)) ** 2).sum() / 16
    assert build(dict(type='SPLoss'))(torch.tensor(s), torch.tensor(t)).item() == \
        pytest.approx(sp, rel=1e-9)

    def p(f):
        f = f / (np.linalg.norm(f, axis=1, keepdims=True) + 1e-7)
        m = (f @ f.T + 1) / 2
        return m / m.sum(1, keepdims=True)

    pkt = (p(ft) * np.log((p(ft) + 1e-7) / (p(fs) + 1e-7))).mean()
    assert build(dict(type='PKTLoss'))(torch.tensor(fs), torch.tensor(ft)).item() == \
        pytest.approx(pkt, rel=1e-9)

    def corr(f, gamma=0.4, order=2):
        f = f / np.linalg.norm(f, axis=1, keepdims=True)
        sim = f @ f.T
        return sum(math.exp(-2 * gamma) * (2 * gamma)**k / math.factorial(k) * sim**k
                   for k in range(order + 1))

    cc = ((corr(fs) - corr(ft)) ** 2).mean()
    assert build(dict(type='CCLoss'))(torch.tensor(fs), torch.tensor(ft)).item() == \
        pytest.approx(cc, rel=1e-9)
    # the Taylor series converges to the kernel itself: exp(-gamma * |x - y|^2)
    x = fs / np.linalg.norm(fs, axis=1, keepdims=True)
    exact = np.exp(-0.4 * ((x[:, None] - x[None]) ** 2).sum(-1))
    np.testing.assert_allclose(corr(fs, order=12), exact, rtol=1e-9)

    a1, a2 = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 5, 2, 2))
    b1, b2 = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 5, 2, 2))

    def fsp(bottom, top):
        bottom = bottom.reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5))  # pooled to 2x2
        return np.einsum('bihw,bjhw->bij', top, bottom) / 4

    expected = ((fsp(a1, a2) - fsp(b1, b2)) ** 2).mean()
    got = build(dict(type='FSPLoss'))(
        (torch.tensor(a1), torch.tensor(a2)), (torch.tensor(b1), torch.tensor(b2))).item()
    assert got == pytest.approx(expected, rel=1e-9)


def test_fsp_refuses_unequal_channels_and_single_maps():
    a = torch.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match=r'same channels.*\[3, 5\] \(student\) and \[4, 5\]'):
        build(dict(type='FSPLoss'))((a, torch.randn(2, 5, 4, 4)),
                                    (torch.randn(2, 4, 4, 4), torch.randn(2, 5, 4, 4)))
    with pytest.raises(ValueError, match='sequence of two or more maps'):
        build(dict(type='FSPLoss'))(a, a)
    with pytest.raises(ValueError, match="CCLoss.mode='gauss'"):
        build(dict(type='CCLoss', mode='gauss'))
