
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import KLDivergence, L2Loss


def np_softmax(z, tau):
    e = np.exp(z / tau - (z / tau).max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_kd(zs, zt, tau):
    """Hand-written reference: tau^2 * sum_k p_t (log p_t - log p_s), per element."""
    ps, pt = np_softmax(zs, tau), np_softmax(zt, tau)
    return tau**2 * pt * (np.log(pt) - np.log(ps))


def test_kl_divergence_hand_computed_value():
    # p_t = softmax(3, 2, 1); log p_t - log p_s = (2, 0, -2), so KL = 2 (p_t[0] - p_t[2]).
    zs = torch.tensor([[1.0, 2.0, 3.0]])
    zt = torch.tensor([[3.0, 2.0, 1.0]])
    pt = torch.softmax(zt, 1)[0]
    expected = 2 * (pt[0] - pt[2]).item()
    assert expected == pytest.approx(1.1504200, abs=1e-6)
    assert KLDivergence()(zs, zt).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize('tau', [1.0, 4.0])
@pytest.mark.parametrize('reduction', ['batchmean', 'sum', 'mean', 'none'])
def test_kl_divergence_reductions_match_numpy(tau, reduction):
    g = torch.Generator().manual_seed(0)
    zs, zt = torch.randn(6, 10, generator=g) * 3, torch.randn(6, 10, generator=g) * 3
    ref = np_kd(zs.double().numpy(), zt.double().numpy(), tau)
    ref = dict(batchmean=ref.sum() / 6, sum=ref.sum(), mean=ref.mean(), none=ref)[reduction]
    out = KLDivergence(tau=tau, reduction=reduction, loss_weight=0.5)(zs, zt)
    np.testing.assert_allclose(out.detach().numpy(), 0.5 * ref, rtol=1e-5, atol=1e-6)


def test_kl_divergence_equals_mdistiller_formula():
    g = torch.Generator().manual_seed(1)
    zs, zt = torch.randn(8, 100, generator=g), torch.randn(8, 100, generator=g)
    tau = 4.0
    # mdistiller's kd_loss: kl_div(log_softmax(s/T), softmax(t/T), 'none').sum(1).mean() * T^2
    ref = F.kl_div(F.log_softmax(zs / tau, 1), F.softmax(zt / tau, 1),
                   reduction='none').sum(1).mean() * tau**2
    assert KLDivergence(tau=tau)(zs, zt).item() == pytest.approx(ref.item(), rel=1e-6)


def test_kl_divergence_zero_for_equal_logits_and_teacher_detached():
    zs = torch.randn(4, 5, requires_grad=True)
    zt = zs.detach().clone().requires_grad_(True)
    loss = KLDivergence(tau=2.0)(zs, zt)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    (KLDivergence(tau=2.0)(zs, zt * 2)).backward()
    assert zt.grad is None and zs.grad is not None


def test_kl_divergence_gradient_matches_closed_form():
    # d/dz_s of tau^2 KL / B is tau (p_s - p_t) / B.
    zs = torch.randn(3, 7, requires_grad=True)
    zt = torch.randn(3, 7)
    tau = 3.0
    KLDivergence(tau=tau)(zs, zt).backward()
    expected = tau * (torch.softmax(zs / tau, 1) - torch.softmax(zt / tau, 1)) / 3
    torch.testing.assert_close(zs.grad, expected.detach(), rtol=1e-5, atol=1e-6)


def test_kl_divergence_rejects_bad_arguments():
    with pytest.raises(ValueError, match='reduction'):
        KLDivergence(reduction='avg')
    with pytest.raises(ValueError, match='tau'):
        KLDivergence(tau=0)
    with pytest.raises(ValueError, match='same shape'):
        KLDivergence()(torch.randn(2, 10), torch.randn(2, 100))


def test_l2_loss_values():
    g = torch.Generator().manual_seed(2)
    s, t = torch.randn(4, 3, 5, 5, generator=g), torch.randn(4, 3, 5, 5, generator=g)
    assert L2Loss()(s, t).item() == pytest.approx(F.mse_loss(s, t).item(), rel=1e-6)
    assert L2Loss(reduction='batchmean', loss_weight=2.0)(s, t).item() == pytest.approx(
        2 * ((s - t)**2).sum().item() / 4, rel=1e-6)
    assert L2Loss(reduction='sum')(s, t).item() == pytest.approx(((s - t)**2).sum().item(), rel=1e-6)
    # normalize: per-sample unit vectors, so identical directions give zero.
    assert L2Loss(normalize=True)(s, 3 * s).item() == pytest.approx(0.0, abs=1e-10)
    sn, tn = s.flatten(1), t.flatten(1)
    sn, tn = sn / sn.norm(dim=1, keepdim=True), tn / tn.norm(dim=1, keepdim=True)
    assert L2Loss(normalize=True, reduction='batchmean')(s, t).item() == pytest.approx(
        ((sn - tn)**2).sum().item() / 4, rel=1e-5)


def test_l2_loss_refuses_broadcasting():
    with pytest.raises(ValueError, match='connector'):
        L2Loss()(torch.randn(2, 8, 4, 4), torch.randn(2, 8, 1, 1))
    with pytest.raises(ValueError, match='reduction'):
        L2Loss(reduction='batch')
