"""The partial-KD family (Tang et al. 2020) against hand-computed targets."""
import numpy as np
import pytest
import torch

from mmkd.models.losses import KDPartialPT, KDPartialPTSim, KDPartialSim, KDPartialTopK, KLDivergence
from mmkd.models.losses.partial_kd import pt_sim_target, pt_target, sim_target, topk_target

from helpers import build_kd, digits_batch


def test_targets_by_hand():
    p_t = torch.tensor([[0.7, 0.2, 0.1]])
    torch.testing.assert_close(pt_target(p_t, torch.tensor([1])), torch.tensor([[0.4, 0.2, 0.4]]))
    torch.testing.assert_close(pt_target(p_t, torch.tensor([0])), torch.tensor([[0.7, 0.15, 0.15]]))
    torch.testing.assert_close(topk_target(p_t, 1), torch.tensor([[0.7, 0.15, 0.15]]))
    torch.testing.assert_close(topk_target(p_t, 2), p_t)
    # class rows: 0 and 1 point the same way, 2 is orthogonal
    w = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    cos = np.array([1.0, 1.0, 0.0])
    expected = np.exp(cos / 0.5) / np.exp(cos / 0.5).sum()
    sim = sim_target(w, torch.tensor([0, 0]), 0.5)
    np.testing.assert_allclose(sim.numpy(), np.stack([expected, expected]), rtol=1e-6)
    both = pt_sim_target(p_t, w, torch.tensor([0]), 0.5)
    rest = expected[1:] / expected[1:].sum() * 0.3
    np.testing.assert_allclose(both.numpy(), [[0.7, *rest]], rtol=1e-6)


def test_targets_are_distributions_of_the_right_shape():
    g = torch.Generator().manual_seed(0)
    p_t = torch.softmax(torch.randn(6, 9, generator=g), 1)
    y = torch.randint(0, 9, (6, ), generator=g)
    w = torch.randn(9, 4, generator=g)
    for q in (pt_target(p_t, y), sim_target(w, y, 1.0), pt_sim_target(p_t, w, y, 1.0),
              topk_target(p_t, 3)):
        assert q.shape == (6, 9) and (q >= 0).all()
        torch.testing.assert_close(q.sum(1), torch.ones(6))
    # the true class keeps the teacher's probability in pt and pt+sim
    torch.testing.assert_close(pt_target(p_t, y).gather(1, y[:, None]), p_t.gather(1, y[:, None]))
    # sim is a property of the class, not of the example
    same = sim_target(w, torch.tensor([2, 2, 5]), 1.0)
    torch.testing.assert_close(same[0], same[1])


def np_kd_to(q, zs, tau):
    zs = zs / tau
    log_ps = zs - np.log(np.exp(zs).sum(1, keepdims=True))
    return tau**2 * (q * (np.log(q) - log_ps)).sum() / len(zs)


def test_losses_are_kl_to_their_targets():
    g = torch.Generator().manual_seed(1)
    zs, zt = torch.randn(5, 6, generator=g).double(), torch.randn(5, 6, generator=g).double()
    y, w = torch.randint(0, 6, (5, ), generator=g), torch.randn(6, 3, generator=g).double()
    tau = 2.0
    p_t = torch.softmax(zt / tau, 1)
    cases = [
        (KDPartialPT(tau=tau)(zs, zt, y), pt_target(p_t, y)),
        (KDPartialSim(tau=tau, sim_tau=0.5)(zs, w, y), sim_target(w, y, 0.5)),
        (KDPartialPTSim(tau=tau, sim_tau=0.5)(zs, zt, y, w), pt_sim_target(p_t, w, y, 0.5)),
        (KDPartialTopK(k=2, tau=tau, loss_weight=3.0)(zs, zt) / 3.0, topk_target(p_t, 2)),
    ]
    for out, q in cases:
        assert out.item() == pytest.approx(np_kd_to(q.numpy(), zs.numpy(), tau), rel=1e-6)


def test_pt_keeps_kd_instance_gradient_on_the_target_logit():
    # The paper's point: on the true-class logit, KD-pt and KD give the same gradient
    # tau * (p^s_y - p^t_y) / B, so KD-pt keeps the per-example rescaling.
    zs = torch.randn(4, 7, dtype=torch.double, requires_grad=True)
    zt, y, tau = torch.randn(4, 7, dtype=torch.double), torch.tensor([0, 3, 6, 2]), 3.0
    g_pt, = torch.autograd.grad(KDPartialPT(tau=tau)(zs, zt, y), zs)
    g_kd, = torch.autograd.grad(KLDivergence(tau=tau)(zs, zt), zs)
    torch.testing.assert_close(g_pt.gather(1, y[:, None]), g_kd.gather(1, y[:, None]))
    assert not torch.allclose(g_pt, g_kd)


def test_argument_checks():
    with pytest.raises(ValueError, match=r'\(K, D\)'):
        KDPartialSim()(torch.randn(2, 5), torch.randn(4, 3), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='k must be'):
        KDPartialTopK(k=0)
    with pytest.raises(ValueError, match='K >= 3'):
        KDPartialTopK(k=2)(torch.randn(2, 2), torch.randn(2, 2))


def test_kd_sim_trains_from_a_parameter_recorder_without_running_the_teacher(teacher_ckpt):
    model = build_kd(teacher_ckpt, distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(fc_weight=dict(type='Parameter', source='head.fc.weight')),
        distill_losses=dict(loss_sim=dict(type='KDPartialSim', tau=2.0, sim_tau=0.5)),
        loss_forward_mappings=dict(loss_sim=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='fc_weight', from_student=False)))))
    calls = []
    model.teacher.register_forward_hook(lambda *a: calls.append(1))
    data = model.data_preprocessor(digits_batch(8), training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['distill.loss_sim']) and calls == []
    losses['distill.loss_sim'].backward()
    assert model.student.head.fc.weight.grad is not None


def test_topk_stays_finite_for_a_teacher_whose_top_k_holds_all_the_mass():
    # float32 top-k sums of such teachers reach 1 + 2e-7; the rest must not go negative
    torch.manual_seed(0)
    zt = torch.randn(4096, 100) * 30
    zs = torch.randn(4096, 100)
    assert (1 - torch.softmax(zt, 1).topk(5, 1).values.sum(1)).min() < 0
    loss = KDPartialTopK(k=5, tau=1.0)(zs, zt)
    assert torch.isfinite(loss)
