"""WKD-L and WKD-F against the reference code's computation (JiamingLv/WKD, WKD.py), written
out operation by operation."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import build_kd
from mmkd.models.losses import NKDLoss, WKDFeatureLoss, WKDLogitLoss
from mmkd.models.losses.wasserstein_kd import prototype_cost
from mmkd.utils.config_errors import KDConfigError
from test_models.test_modern_logit_losses import ref_nkd


def ref_sinkhorn(w1, w2, cost, reg=0.05, max_iter=10):
    bs, dim = w1.shape
    w1 = w1.unsqueeze(-1)
    w2 = w2.unsqueeze(-1)
    u = 1 / dim * torch.ones_like(w1, device=w1.device, dtype=w1.dtype)
    K = torch.exp(-cost / reg)
    Kt = K.transpose(2, 1)
    for i in range(max_iter):
        v = w2 / (torch.bmm(Kt, u) + 1e-8)
        u = w1 / (torch.bmm(K, v) + 1e-8)
    return u.reshape(bs, -1, 1) * K * v.reshape(bs, 1, -1)


def ref_wkd_logit(logits_student, logits_teacher, gt_label, temperature, gamma, cost_matrix,
                  sinkhorn_lambda=0.05, sinkhorn_iter=10):
    label = gt_label.view(len(gt_label), 1)
    N, c = logits_student.shape
    loss_t = ref_nkd(logits_student, logits_teacher, gt_label, 1.0, 0.0)  # the same target term
    mask = torch.ones_like(logits_student).scatter_(1, label, 0).bool()
    logits_student = logits_student[mask].reshape(N, -1)
    logits_teacher = logits_teacher[mask].reshape(N, -1)
    cost_matrix = cost_matrix.repeat(N, 1, 1)
    gd_mask = mask.unsqueeze(1) * mask.unsqueeze(2)
    cost_matrix = cost_matrix[gd_mask].reshape(N, c - 1, c - 1)
    pred_student = F.softmax(logits_student / temperature, dim=-1).to(torch.float32)
    pred_teacher = F.softmax(logits_teacher / temperature, dim=-1).to(torch.float32)
    cost_matrix = F.relu(cost_matrix) + 1e-8
    flow = ref_sinkhorn(pred_student, pred_teacher, cost_matrix, reg=sinkhorn_lambda,
                        max_iter=sinkhorn_iter)
    ws_distance = (flow * cost_matrix).sum(-1).sum(-1).mean()
    return loss_t + gamma * ws_distance


def ref_pool(input_tensor, out_size, eps=1e-5):
    b, c, isizeH, isizeW = input_tensor.shape
    osizeH = osizeW = out_size
    avg = torch.zeros((b, c, osizeH, osizeW), dtype=input_tensor.dtype)
    cov = torch.zeros((b, c, osizeH, osizeW), dtype=input_tensor.dtype)
    for oh in range(osizeH):
        h0, h1 = int(np.floor(oh * isizeH / osizeH)), int(np.ceil((oh + 1) * isizeH / osizeH))
        for ow in range(osizeW):
            w0, w1 = int(np.floor(ow * isizeW / osizeW)), int(np.ceil((ow + 1) * isizeW / osizeW))
            block = input_tensor[:, :, h0:h1, w0:w1]
            avg[:, :, oh, ow] = block.mean(dim=(-1, -2))
            cov[:, :, oh, ow] = torch.sqrt(block.var(dim=(-1, -2)) + eps)
    return avg, cov


def ref_wkd_feature(f_s, f_t, eps=1e-5, grid=1):
    if grid == 1:
        f_s_avg, f_t_avg = f_s.mean(dim=(-1, -2)), f_t.mean(dim=(-1, -2))
        f_s_std = torch.sqrt(f_s.var(dim=(-1, -2)) + eps)
        f_t_std = torch.sqrt(f_t.var(dim=(-1, -2)) + eps)
        mean_loss = F.mse_loss(f_s_avg, f_t_avg, reduction='sum') / f_s.size(0)
        cov_loss = F.mse_loss(f_s_std, f_t_std, reduction='sum') / f_s.size(0)
    else:
        f_s_avg, f_s_std = ref_pool(f_s, grid, eps)
        f_t_avg, f_t_std = ref_pool(f_t, grid, eps)
        mean_loss = F.mse_loss(f_s_avg, f_t_avg, reduction='sum') / (grid**2 * f_s.size(0))
        cov_loss = F.mse_loss(f_s_std, f_t_std, reduction='sum') / (grid**2 * f_s.size(0))
    return mean_loss, cov_loss


def test_wkd_logit_plus_the_target_term_equals_the_reference(tmp_path):
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(12, 10, generator=g) * 3, torch.randn(12, 10, generator=g) * 4
    y = torch.randint(0, 10, (12, ), generator=g)
    proto = torch.randn(10, 16, generator=g)
    cost = 1 - torch.exp(-1.0 * (1 - F.normalize(proto, dim=-1) @ F.normalize(proto, dim=-1).t()))
    torch.testing.assert_close(prototype_cost(proto, 1.0), cost)
    path = tmp_path / 'cost.pth'
    torch.save(1 - F.normalize(proto, dim=-1) @ F.normalize(proto, dim=-1).t(), path)
    wkd = WKDLogitLoss(num_classes=10, cost=str(path), tau=8.0, loss_weight=600.0)
    ours = NKDLoss(gamma=0.0)(s, t, y) + wkd(s, t, y)
    ref = ref_wkd_logit(s, t, y, 8.0, 600.0, cost)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    s.requires_grad_()
    wkd(s, t, y).backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0


@pytest.mark.parametrize('grid', [1, 4])
def test_wkd_feature_equals_the_reference(grid):
    g = torch.Generator().manual_seed(1)
    f_s, f_t = torch.randn(4, 6, 7, 7, generator=g), torch.randn(4, 6, 7, 7, generator=g) + 1
    mean_loss, cov_loss = ref_wkd_feature(f_s, f_t, grid=grid)
    loss = WKDFeatureLoss(mean_cov_ratio=3.0, grid=grid, loss_weight=0.3)(f_s, f_t)
    torch.testing.assert_close(loss, 0.3 * (3.0 * mean_loss + cov_loss))


def test_the_cost_comes_from_the_loaded_teachers_classifier(teacher_ckpt):
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        input_shape=(1, 8, 8),
        distill_losses=dict(loss_wkd=dict(type='WKDLogitLoss', num_classes='auto', tau=4.0)),
        loss_forward_mappings=dict(loss_wkd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False))))
    model = build_kd(teacher_ckpt, distiller)
    loss = model.distiller.distill_losses['loss_wkd']
    torch.testing.assert_close(loss.cost, prototype_cost(model.teacher.head.fc.weight, 1.0))
    assert 'distiller.distill_losses.loss_wkd.cost' in model.state_dict()
    with pytest.raises(KDConfigError, match='cost'):
        WKDLogitLoss(num_classes=10, cost='/no/such/cost.pth')


def test_components_that_read_the_loaded_teacher_say_when_none_is_built():
    # a cached teacher is never built: a cost from its classifier (or OFD's margin) cannot be read
    from mmkd.models.connectors import OFDTeacherConnector
    for component in (WKDLogitLoss(num_classes=10),
                      OFDTeacherConnector(bn='backbone.bn1', channels=4)):
        with pytest.raises(KDConfigError, match='not built'):
            component.init_from_teachers({}, 'model.distiller.x')
    two = {'t1': torch.nn.Linear(2, 10), 't2': torch.nn.Linear(2, 10)}
    with pytest.raises(KDConfigError, match=r"teacher=None: name one of \['t1', 't2'\]"):
        WKDLogitLoss(num_classes=10, prototypes='weight').init_from_teachers(two, 'x')
