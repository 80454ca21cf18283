"""DKD, DIST, WSLD and hard-label KD against hand-written NumPy references."""
import numpy as np
import pytest
import torch

from mmkd.models.losses import DISTLoss, DKDLoss, HardLabelKD, KLDivergence, WSLDLoss


def softmax(z, tau=1.0):
    e = np.exp(z / tau - (z / tau).max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def kl(p, q):
    return (p * (np.log(p) - np.log(q))).sum()


def np_dkd(zs, zt, y, alpha, beta, tau):
    """TCKD on [p_y, 1 - p_y]; NCKD on the renormalised non-target probabilities."""
    ps, pt = softmax(zs, tau), softmax(zt, tau)
    tckd = nckd = 0.0
    for i, c in enumerate(y):
        bs = np.array([ps[i, c], 1 - ps[i, c]])
        bt = np.array([pt[i, c], 1 - pt[i, c]])
        tckd += kl(bt, bs)
        keep = np.arange(zs.shape[1]) != c
        nckd += kl(pt[i, keep] / pt[i, keep].sum(), ps[i, keep] / ps[i, keep].sum())
    b = len(y)
    return tau**2 * (alpha * tckd + beta * nckd) / b


def logits(b=8, k=10, seed=0, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    zs, zt = torch.randn(b, k, generator=g) * scale, torch.randn(b, k, generator=g) * scale
    y = torch.randint(0, k, (b, ), generator=g)
    return zs.double(), zt.double(), y


@pytest.mark.parametrize('alpha,beta,tau', [(1.0, 8.0, 4.0), (0.5, 2.0, 1.0), (1.0, 1.0, 2.0)])
def test_dkd_matches_reference(alpha, beta, tau):
    zs, zt, y = logits()
    out = DKDLoss(tau=tau, alpha=alpha, beta=beta, loss_weight=0.7)(zs, zt, y)
    ref = np_dkd(zs.numpy(), zt.numpy(), y.numpy(), alpha, beta, tau)
    assert out.item() == pytest.approx(0.7 * ref, rel=1e-6)


def test_dkd_identity_kd_equals_tckd_plus_weighted_nckd():
    # Eq. 1 of the paper, per sample, at tau = 1: KD = TCKD + (1 - p^t_y) NCKD.
    zs, zt, y = logits(b=6, k=7, seed=3)
    for i in range(6):
        s, t, c = zs[i:i + 1], zt[i:i + 1], y[i:i + 1]
        tckd = DKDLoss(tau=1, alpha=1, beta=0)(s, t, c)
        nckd = DKDLoss(tau=1, alpha=0, beta=1)(s, t, c)
        p_ty = torch.softmax(t, 1)[0, c]
        kd = KLDivergence(tau=1)(s, t)
        assert kd.item() == pytest.approx((tckd + (1 - p_ty) * nckd).item(), rel=1e-6)


def test_dkd_refuses_two_classes_and_takes_gradients_for_the_student_only():
    with pytest.raises(ValueError, match='K > 2'):
        DKDLoss()(torch.randn(4, 2), torch.randn(4, 2), torch.zeros(4, dtype=torch.long))
    zs = torch.randn(4, 5, requires_grad=True)
    zt = torch.randn(4, 5, requires_grad=True)
    DKDLoss()(zs, zt, torch.tensor([0, 1, 2, 3])).backward()
    assert zs.grad is not None and torch.isfinite(zs.grad).all() and zt.grad is None


def np_pearson_rows(a, b):
    return np.array([np.corrcoef(a[i], b[i])[0, 1] for i in range(a.shape[0])])


@pytest.mark.parametrize('beta,gamma,tau', [(1.0, 1.0, 1.0), (2.0, 0.5, 4.0)])
def test_dist_matches_reference(beta, gamma, tau):
    zs, zt, _ = logits(b=16, k=12, seed=1)
    ys, yt = softmax(zs.numpy(), tau), softmax(zt.numpy(), tau)
    inter = 1 - np_pearson_rows(ys, yt).mean()
    intra = 1 - np_pearson_rows(ys.T, yt.T).mean()
    ref = tau**2 * (beta * inter + gamma * intra)
    out = DISTLoss(inter_loss_weight=beta, intra_loss_weight=gamma, tau=tau)(zs, zt)
    assert out.item() == pytest.approx(ref, rel=1e-5)
    assert DISTLoss()(zs, zs.clone()).item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize('tau', [1.0, 2.0])
def test_wsld_matches_reference_without_num_classes(tau):
    zs, zt, y = logits(b=10, k=6, seed=2)
    s, t, yy = zs.numpy(), zt.numpy(), y.numpy()
    soft_ce = -(softmax(t, tau) * np.log(softmax(s, tau))).sum(1)
    ce_s = -np.log(softmax(s)[np.arange(10), yy])
    ce_t = -np.log(softmax(t)[np.arange(10), yy])
    w = 1 - np.exp(-np.maximum(ce_s / (ce_t + 1e-7), 0))
    ref = tau**2 * (w * soft_ce).mean()
    assert WSLDLoss(tau=tau, loss_weight=2.5)(zs, zt, y).item() == pytest.approx(2.5 * ref, rel=1e-6)


def test_wsld_weights_carry_no_gradient():
    zs = torch.randn(5, 4, dtype=torch.double, requires_grad=True)
    zt, y = torch.randn(5, 4, dtype=torch.double), torch.tensor([0, 1, 2, 3, 0])
    WSLDLoss(tau=2.0)(zs, zt, y).backward()
    with torch.no_grad():
        ce_s = torch.nn.functional.cross_entropy(zs, y, reduction='none')
        ce_t = torch.nn.functional.cross_entropy(zt, y, reduction='none')
        w = 1 - torch.exp(-torch.clamp(ce_s / (ce_t + 1e-7), min=0))
    # d/dz_s of tau^2 * mean(w * CE(p_t^tau, p_s^tau)) with w constant: tau * w (p_s - p_t) / B
    expected = 2.0 * w[:, None] * (torch.softmax(zs / 2, 1) - torch.softmax(zt / 2, 1)) / 5
    torch.testing.assert_close(zs.grad, expected.detach())


def test_hard_label_kd_is_ce_against_teacher_argmax():
    zs, zt, _ = logits(b=6, k=5, seed=4)
    target = zt.argmax(1).numpy()
    ref = -np.log(softmax(zs.numpy())[np.arange(6), target]).mean()
    assert HardLabelKD(loss_weight=0.5)(zs, zt).item() == pytest.approx(0.5 * ref, rel=1e-6)
    with pytest.raises(ValueError, match='label_smoothing'):
        HardLabelKD(label_smoothing=1.0)
