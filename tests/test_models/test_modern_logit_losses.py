"""Logit standardisation, MLKD, NKD and USKD against the reference code's computations.

Each reference below is written out from the reference repository's code, operation by
operation, independently of mmkd's implementation (logit-standardization-KD's ``normalize``,
Multi-Level-Logit-Distillation's ``KD_ours.py``, cls_KD's ``nkd.py`` and ``uskd.py``).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import (DKDLoss, KDPartialPT, KDPartialTopK, KLDivergence, MLKDLoss,
                                NKDLoss, USKDLoss, standardize_logits)
from mmkd.models.teachers.needs import teacher_needs

B, K = 16, 10


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(B, K, generator=g) * 3
    t = torch.randn(B, K, generator=g) * 5 + 1
    y = torch.randint(0, K, (B, ), generator=g)
    return s.double().requires_grad_(), t.double(), y


def ref_normalize(logit):
    mean = logit.mean(dim=-1, keepdims=True)
    stdv = logit.std(dim=-1, keepdims=True)
    return (logit - mean) / (1e-7 + stdv)


def ref_kd(s, t, T):
    return F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1),
                    reduction='none').sum(1).mean() * T**2


def test_standardisation_is_the_reference_z_score(logits):
    s, _, _ = logits
    z = standardize_logits(s)
    assert torch.allclose(z, ref_normalize(s), atol=0, rtol=1e-12)
    # unbiased: the standardised logits have sample variance 1 (divided by K - 1)
    assert torch.allclose(z.var(dim=1), torch.ones(B, dtype=z.dtype), atol=1e-6)


def test_kd_with_logit_standardisation(logits):
    s, t, _ = logits
    loss = KLDivergence(tau=2.0, loss_weight=9.0, logit_stand=True)(s, t)
    assert torch.allclose(loss, 9.0 * ref_kd(ref_normalize(s), ref_normalize(t), 2.0),
                          rtol=1e-10)
    # invariant to shifting and scaling a sample's logits: what standardisation is for
    shifted = KLDivergence(tau=2.0, logit_stand=True)(s, 3 * t + 7)
    assert torch.allclose(shifted, KLDivergence(tau=2.0, logit_stand=True)(s, t), rtol=1e-6)


def ref_dkd(zs, zt, y, alpha, beta, T):
    gt = torch.zeros_like(zs).scatter_(1, y.unsqueeze(1), 1).bool()
    other = ~gt
    ps, pt = F.softmax(zs / T, dim=1), F.softmax(zt / T, dim=1)
    bs = torch.cat([(ps * gt).sum(1, keepdims=True), (ps * other).sum(1, keepdims=True)], 1)
    bt = torch.cat([(pt * gt).sum(1, keepdims=True), (pt * other).sum(1, keepdims=True)], 1)
    tckd = F.kl_div(torch.log(bs), bt, reduction='sum') * T**2 / zs.shape[0]
    nckd = F.kl_div(F.log_softmax(zs / T - 1000.0 * gt, dim=1),
                    F.softmax(zt / T - 1000.0 * gt, dim=1), reduction='sum') * T**2 / zs.shape[0]
    return alpha * tckd + beta * nckd


def test_dkd_with_logit_standardisation(logits):
    s, t, y = logits
    loss = DKDLoss(tau=2.0, alpha=9.0, beta=72.0, logit_stand=True)(s, t, y)
    ref = ref_dkd(ref_normalize(s), ref_normalize(t), y, 9.0, 72.0, 2.0)
    assert torch.allclose(loss, ref, rtol=1e-9)


def test_partial_kd_with_logit_standardisation(logits):
    s, t, y = logits
    plain = KDPartialPT(tau=2.0)(standardize_logits(s), standardize_logits(t), y)
    assert torch.allclose(KDPartialPT(tau=2.0, logit_stand=True)(s, t, y), plain)


def test_a_top_k_cache_cannot_serve_standardised_logits():
    assert teacher_needs(KLDivergence()).topk == 0
    assert teacher_needs(KLDivergence(logit_stand=True)).topk is None
    assert teacher_needs(KDPartialTopK(k=3)).topk == 3
    assert teacher_needs(KDPartialTopK(k=3, logit_stand=True)).topk is None


# ---------------------------------------------------------------------------------- MLKD
def ref_cc(s, t, T):
    ps, pt = F.softmax(s / T, dim=1), F.softmax(t / T, dim=1)
    return ((torch.mm(pt.t(), pt) - torch.mm(ps.t(), ps))**2).sum() / t.shape[1]


def ref_bc(s, t, T):
    ps, pt = F.softmax(s / T, dim=1), F.softmax(t / T, dim=1)
    return ((torch.mm(pt, pt.t()) - torch.mm(ps, ps.t()))**2).sum() / t.shape[0]


def ref_mlkd_weak(s, t, temps, logit_stand=False):
    """The weak-view terms of KD_ours.forward_train (kd, cc, bc), each weight 1."""
    pred_t = F.softmax(t.detach(), dim=1)
    conf, _ = pred_t.max(dim=1)
    mask = torch.from_numpy(np.asarray(conf.numpy() <= np.percentile(conf.numpy().flatten(), 50)))
    class_conf = pred_t.sum(dim=0)
    class_mask = torch.from_numpy(np.asarray(
        class_conf.numpy() <= np.percentile(class_conf.numpy().flatten(), 50)))
    zs, zt = (ref_normalize(s), ref_normalize(t)) if logit_stand else (s, t)
    kd = sum((ref_kd(zs, zt, T) * mask).mean() for T in temps)
    cc = sum((ref_cc(s, t, T) * class_mask).mean() for T in temps)
    bc = sum((ref_bc(s, t, T) * mask).mean() for T in temps)
    return kd + cc + bc


@pytest.mark.parametrize('logit_stand', [False, True])
def test_mlkd_equals_the_reference_terms(logits, logit_stand):
    s, t, _ = logits
    temps = (4.0, 3.0, 5.0, 2.0, 6.0)
    loss = MLKDLoss(temperatures=temps, logit_stand=logit_stand, loss_weight=0.9)(s, t)
    assert torch.allclose(loss, 0.9 * ref_mlkd_weak(s, t, temps, logit_stand), rtol=1e-9)


def test_mlkd_level_weights_and_no_masks(logits):
    s, t, _ = logits
    loss = MLKDLoss(temperatures=[2.0], instance_weight=0.0, batch_weight=0.0, class_weight=1.0,
                    confidence_mask=False)(s, t)
    assert torch.allclose(loss, ref_cc(s, t, 2.0), rtol=1e-10)
    with pytest.raises(ValueError, match='temperatures'):
        MLKDLoss(temperatures=4.0)


# ---------------------------------------------------------------------------------- NKD
def ref_nkd(logit_s, logit_t, gt_label, temp, gamma):
    label = gt_label.view(len(gt_label), 1)
    N, c = logit_s.shape
    s_i = F.log_softmax(logit_s, dim=1)
    t_i = F.softmax(logit_t, dim=1)
    s_t = torch.gather(s_i, 1, label)
    t_t = torch.gather(t_i, 1, label).detach()
    loss_t = -(t_t * s_t).mean()
    mask = torch.ones_like(logit_s).scatter_(1, label, 0).bool()
    logit_s = logit_s[mask].reshape(N, -1)
    logit_t = logit_t[mask].reshape(N, -1)
    S_i = F.log_softmax(logit_s / temp, dim=1)
    T_i = F.softmax(logit_t / temp, dim=1)
    loss_non = (T_i * S_i).sum(dim=1).mean()
    loss_non = -gamma * (temp**2) * loss_non
    return loss_t + loss_non


@pytest.mark.parametrize('tau, gamma', [(1.0, 1.5), (3.0, 3.5)])
def test_nkd_equals_the_reference(logits, tau, gamma):
    s, t, y = logits
    assert torch.allclose(NKDLoss(tau=tau, gamma=gamma)(s, t, y), ref_nkd(s, t, y, tau, gamma),
                          rtol=1e-10)


# ---------------------------------------------------------------------------------- USKD
def ref_uskd(fc, zipf, fea_mid, logit_s, gt_label, alpha, beta, mu):
    label = gt_label.view(len(gt_label), 1)
    value = torch.ones_like(label)
    N, c = logit_s.shape
    s_i = F.softmax(logit_s, dim=1)
    s_t = torch.gather(s_i, 1, label)
    p_t = s_t**2
    p_t = p_t + value - p_t.mean(0, True)
    p_t[value == 0] = 0
    p_t = p_t.detach()
    s_i = F.log_softmax(logit_s, dim=1)
    s_t = torch.gather(s_i, 1, label)
    loss_t = -(p_t * s_t).sum(dim=1).mean()
    target = torch.zeros_like(logit_s).scatter_(1, label, 0.9) + 0.1 * torch.ones_like(logit_s) / c
    w_fc = fc(fea_mid)
    w_i = F.log_softmax(w_fc, dim=1)
    loss_weak = -(mu * target * w_i).sum(dim=1).mean()
    w_i = F.softmax(w_fc, dim=1)
    w_t = torch.gather(w_i, 1, label)
    rank = w_i / (1 - w_t.sum(1, True) + 1e-6) + s_i / (1 - s_t.sum(1, True) + 1e-6)
    _, rank = torch.sort(rank, descending=True, dim=-1)
    z_i = zipf.repeat(N, 1)
    ids_sort = torch.argsort(rank)
    z_i = torch.gather(z_i, dim=1, index=ids_sort)
    mask = torch.ones_like(logit_s).scatter_(1, label, 0).bool()
    logit_s = logit_s[mask].reshape(N, -1)
    ns_i = F.log_softmax(logit_s, dim=1)
    nz_i = z_i[mask].reshape(N, -1)
    nz_i = nz_i / nz_i.sum(dim=1, keepdim=True)
    nz_i = nz_i.detach()
    loss_non = -(nz_i * ns_i).sum(dim=1).mean()
    return alpha * loss_t + beta * loss_non + loss_weak


def test_uskd_equals_the_reference_and_trains_its_weak_classifier(logits):
    s, _, y = logits
    torch.manual_seed(0)
    loss_fn = USKDLoss(channels=8, num_classes=K, alpha=0.1, beta=0.1, mu=0.1).double()
    feature = torch.randn(B, 8, dtype=torch.double, requires_grad=True)
    loss = loss_fn(s, feature, y)
    zipf = (1 / torch.arange(1, K + 1)).double()
    ref = ref_uskd(loss_fn.fc, zipf, feature, s, y, 0.1, 0.1, 0.1)
    assert torch.allclose(loss, ref, rtol=1e-10)
    loss.backward()
    assert loss_fn.fc.weight.grad.abs().sum() > 0
    assert feature.grad.abs().sum() > 0  # as the reference: the weak loss trains the backbone
    assert 'zipf' not in loss_fn.state_dict()


def test_uskd_pools_a_feature_map_and_checks_its_inputs(logits):
    s, _, y = logits
    loss_fn = USKDLoss(channels=4, num_classes=K).double()
    fmap = torch.randn(B, 4, 3, 3, dtype=torch.double)
    assert torch.allclose(loss_fn(s, fmap, y), loss_fn(s, fmap.mean(dim=(2, 3)), y))
    with pytest.raises(ValueError, match='mid-level feature'):
        loss_fn(s, torch.randn(B, 5, dtype=torch.double), y)
    with pytest.raises(ValueError, match='num_classes'):
        USKDLoss(channels=4, num_classes=1)


# ---------------------------------------------------------------------------------- configs
@pytest.mark.parametrize('config, loss', [
    ('uskd/uskd_convnet_digits.py', 'distill.loss_uskd'),
    ('mlkd/mlkd_convnet-teacher_convnet-student_digits.py', 'distill.loss_mlkd'),
    ('logit_stand/kd_ls_convnet-teacher_convnet-student_digits.py', 'distill.loss_kd'),
])
def test_shipped_configs_train(config, loss, tmp_path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from helpers import ROOT, digits_batch
    from mmkd.registry import MODELS
    from step_reference import teacher_checkpoint
    cfg = Config.fromfile(f'{ROOT}/configs/{config}')
    if cfg.model.get('teacher_ckpt') is not None:
        cfg.model.teacher_ckpt = teacher_checkpoint(cfg.model.teacher, tmp_path, 'teacher')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmkd'):
        model = MODELS.build(cfg.model)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.05,
                                momentum=0.9)
    data = model.data_preprocessor(digits_batch(64), True)
    values = []
    for _ in range(20):
        losses = model.loss(data['inputs'], data['data_samples'])
        values.append(float(losses[loss]))
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    assert values[-1] < values[0]


def test_mlkd_two_views_equal_the_reference_total(logits):
    s, t, _ = logits
    temps = (4.0, 3.0, 5.0, 2.0, 6.0)
    g = torch.Generator().manual_seed(5)
    s_strong = (torch.randn(B, K, generator=g) * 3).double()
    t_strong = (torch.randn(B, K, generator=g) * 5).double()
    # KD_ours.forward_train, the CE terms left out: kd_weak (masked), kd_strong (the code's
    # temperatures 2 and 6 on the weak logits), cc_weak, bc_weak
    kd_strong = (ref_kd(s_strong, t_strong, 4.0) + ref_kd(s_strong, t_strong, 3.0)
                 + ref_kd(s_strong, t_strong, 5.0) + ref_kd(s, t, 2.0) + ref_kd(s, t, 6.0))
    ref = ref_mlkd_weak(s, t, temps) + kd_strong
    loss = MLKDLoss(temperatures=temps, views=2)(torch.cat([s, s_strong]),
                                                 torch.cat([t, t_strong]))
    assert torch.allclose(loss, ref, rtol=1e-9)
    every_strong = MLKDLoss(temperatures=temps, views=2, strong_terms='strong')(
        torch.cat([s, s_strong]), torch.cat([t, t_strong]))
    expected = ref_mlkd_weak(s, t, temps) + sum(ref_kd(s_strong, t_strong, T) for T in temps)
    assert torch.allclose(every_strong, expected, rtol=1e-9)
