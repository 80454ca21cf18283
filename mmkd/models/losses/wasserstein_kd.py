"""Wasserstein distance knowledge distillation, WKD-L and WKD-F (Lv et al., NeurIPS 2024)."""
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..teachers.needs import TeacherNeeds, loaded_teacher
from .checks import check_positive, check_same_shape
from .distill_loss import DistillLoss
from .normalized_kd import non_target_logits


def sinkhorn_flow(p: torch.Tensor, q: torch.Tensor, cost: torch.Tensor, reg: float = 0.05,
                  iters: int = 10) -> torch.Tensor:
    r"""Entropy-regularised transport plans from ``p`` to ``q`` ((B, N) each) under ``cost``
    ((B, N, N)), by ``iters`` Sinkhorn iterations from :math:`u = 1/N`:
    :math:`v = q / (K^\top u + 10^{-8})`, :math:`u = p / (K v + 10^{-8})`,
    :math:`K = e^{-C/\lambda}`; the plan is :math:`u_i K_{ij} v_j`. Gradients flow through the
    iterations, as in the reference."""
    n = p.size(1)
    u = torch.full_like(p, 1.0 / n).unsqueeze(-1)
    p, q = p.unsqueeze(-1), q.unsqueeze(-1)
    k = torch.exp(-cost / reg)
    kt = k.transpose(2, 1)
    for _ in range(iters):
        v = q / (torch.bmm(kt, u) + 1e-8)
        u = p / (torch.bmm(k, v) + 1e-8)
    return u.reshape(p.size(0), -1, 1) * k * v.reshape(p.size(0), 1, -1)


def wkd_logit_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, gt_labels: torch.Tensor,
                   cost: torch.Tensor, tau: float = 8.0, reg: float = 0.05,
                   iters: int = 10) -> torch.Tensor:
    r"""WKD-L's Wasserstein distance between the non-target class distributions.

    .. math::
        \mathrm{WD} = \frac1B \sum_b \sum_{i,j \ne y_b} \pi_{ij} \, C_{ij}

    with :math:`\pi` the Sinkhorn plan (:func:`sinkhorn_flow`) between
    :math:`\mathrm{softmax}(z_s/\tau)` and :math:`\mathrm{softmax}(z_t/\tau)` over the
    non-target classes (computed in float32), and :math:`C` the class cost matrix without the
    target's row and column, floored at :math:`10^{-8}` (``relu(C) + 1e-8``). No :math:`\tau^2`.
    """
    n, k = preds_S.shape
    p_s = F.softmax(non_target_logits(preds_S, gt_labels) / tau, dim=-1).float()
    p_t = F.softmax(non_target_logits(preds_T, gt_labels) / tau, dim=-1).float()
    keep = torch.ones(n, k, dtype=torch.bool, device=preds_S.device).scatter_(
        1, gt_labels.view(-1, 1), False)
    pair = keep.unsqueeze(1) & keep.unsqueeze(2)
    c = cost.to(p_s).expand(n, k, k)[pair].reshape(n, k - 1, k - 1)
    c = F.relu(c) + 1e-8
    flow = sinkhorn_flow(p_s, p_t, c, reg, iters)
    return (flow * c).sum(dim=(-1, -2)).mean()


def prototype_cost(prototypes: torch.Tensor, sharpen: float = 1.0) -> torch.Tensor:
    """WKD's class cost from class prototypes (K, D) (e.g. the teacher's classifier weights):
    ``1 - cosine similarity``, then ``1 - exp(-sharpen * cost)`` unless ``sharpen`` is 0."""
    normed = F.normalize(prototypes, p=2, dim=-1)
    return sharpened(1 - normed @ normed.t(), sharpen)


def sharpened(cost: torch.Tensor, sharpen: float) -> torch.Tensor:
    return cost if sharpen == 0 else 1 - torch.exp(-sharpen * cost)


def linear_cka(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Linear CKA of two (n, d) feature matrices, rows centred first:
    :math:`\lVert Y^\top X\rVert_F^2 / (\lVert X^\top X\rVert_F \lVert Y^\top Y\rVert_F)`
    (the reference's ``linear_CKA_precenter``; row r of ``x`` is paired with row r of
    ``y``)."""
    x, y = x - x.mean(0, keepdim=True), y - y.mean(0, keepdim=True)
    return torch.linalg.norm(y.t() @ x) ** 2 / (torch.linalg.norm(x.t() @ x)
                                                 * torch.linalg.norm(y.t() @ y))


def cka_class_costs(class_features: torch.Tensor) -> torch.Tensor:
    """WKD's class costs from features: ``1 - linear_cka`` between every two classes'
    feature matrices, (K, n, d) in, (K, K) out (the reference's ``generate_cost_matrix.py``
    with ``linear_CKA``; the sharpening is left to ``WKDLogitLoss``)."""
    k = class_features.size(0)
    cost = torch.zeros(k, k)
    for i in range(k):
        for j in range(i, k):
            cost[i, j] = cost[j, i] = 1 - linear_cka(class_features[i], class_features[j])
    return cost


@MODELS.register_module()
class WKDLogitLoss(DistillLoss):
    """WKD-L: "Wasserstein Distance Rivals Kullback-Leibler Divergence for Knowledge
    Distillation", Lv et al., NeurIPS 2024. See :func:`wkd_logit_loss`.

    The reference's logit loss adds the target class's term of NKD, which its cosine decay of
    the WD weight does not scale: in mmkd that term is ``NKDLoss(gamma=0)`` beside this loss,
    and the decay a ``LossWeightScheduleHook`` on this one (``configs/wkd/``).

    The cost between classes comes from the loaded teacher (``cost='prototypes'``: the rows
    of the teacher parameter ``prototypes``, its classifier weights by default) or from a file
    (a (K, K) tensor saved with ``torch.save``, e.g. the reference's CKA costs of the teacher's
    features, which ``tools/analysis/wkd_cost_matrix.py`` computes); either is sharpened by
    ``1 - exp(-sharpen * C)``. The matrix is a buffer: checkpoints keep it, so testing needs no
    teacher.

    Args:
        num_classes (int | 'auto'): K.
        cost (str): ``'prototypes'`` or the path of a cost file (e.g. from
            ``tools/analysis/wkd_cost_matrix.py``). Defaults to ``'prototypes'``.
        prototypes (str): the teacher parameter whose rows are the class prototypes. Defaults
            to ``'head.fc.weight'``.
        sharpen (float): the sharpening; 0 for none. Defaults to 1.0.
        tau (float): temperature. Defaults to 8.0 (the reference's for resnet32x4 ->
            resnet8x4).
        sinkhorn_lambda (float): the entropic regularisation. Defaults to 0.05.
        sinkhorn_iters (int): Sinkhorn iterations. Defaults to 10.
        teacher (str, optional): which teacher gives the prototypes (``MultiTeacherDistill``).
        loss_weight (float): the WD weight (the reference's ``WKD_LOGIT_WEIGHT``).
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    shape_args = {'num_classes': 'preds_S.channels'}

    def __init__(self, num_classes: int, cost: str = 'prototypes',
                 prototypes: str = 'head.fc.weight', sharpen: float = 1.0, tau: float = 8.0,
                 sinkhorn_lambda: float = 0.05, sinkhorn_iters: int = 10,
                 teacher: Optional[str] = None, loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        if not isinstance(num_classes, int) or num_classes < 3:
            raise ValueError(f'WKDLogitLoss.num_classes must be an int >= 3, got {num_classes!r}')
        check_positive('tau', tau, 'WKDLogitLoss')
        check_positive('sinkhorn_lambda', sinkhorn_lambda, 'WKDLogitLoss')
        self.tau, self.reg, self.iters = tau, sinkhorn_lambda, int(sinkhorn_iters)
        self.cost_source, self.prototypes, self.teacher = cost, prototypes, teacher
        self.sharpen = sharpen
        self.register_buffer('cost', torch.zeros(num_classes, num_classes))
        if cost != 'prototypes':
            self.cost.copy_(sharpened(self._load_cost(cost, num_classes), sharpen))

    @property
    def teacher_needs(self) -> TeacherNeeds:
        return TeacherNeeds(loaded_teachers=self.cost_source == 'prototypes')

    @staticmethod
    def _load_cost(path: str, num_classes: int) -> torch.Tensor:
        try:
            cost = torch.load(path, map_location='cpu', weights_only=True)
        except (OSError, RuntimeError) as e:
            raise KDConfigError(f'WKDLogitLoss.cost={path!r}: cannot read a cost matrix '
                                f'there ({e})') from e
        if not isinstance(cost, torch.Tensor) or tuple(cost.shape) != (num_classes, ) * 2:
            raise KDConfigError(f'WKDLogitLoss.cost={path!r} must hold a ({num_classes}, '
                                f'{num_classes}) tensor, got '
                                f'{getattr(cost, "shape", type(cost).__name__)}')
        return cost.float()

    def init_from_teachers(self, teachers: Dict[str, nn.Module], key: str) -> None:
        """The cost from the named (or only) teacher's class prototypes."""
        teacher = loaded_teacher(
            teachers, self.teacher, key, f"the teacher's {self.prototypes} (cost='prototypes'; "
            'a cost file needs no teacher)')
        params = dict(teacher.named_parameters())
        if self.prototypes not in params or params[self.prototypes].dim() != 2 \
                or params[self.prototypes].size(0) != self.cost.size(0):
            raise KDConfigError(
                f'{key}.prototypes={self.prototypes!r} must be a ({self.cost.size(0)}, D) '
                f'parameter of the teacher (its classifier weight)')
        with torch.no_grad():
            self.cost.copy_(prototype_cost(params[self.prototypes].float(), self.sharpen))

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits; gt_labels: (B,) class indices."""
        check_same_shape(preds_S, preds_T, 'WKDLogitLoss')
        if preds_S.dim() != 2 or preds_S.size(1) != self.cost.size(0):
            raise ValueError(f'WKDLogitLoss needs (B, {self.cost.size(0)}) logits, got '
                             f'{tuple(preds_S.shape)}')
        return self.loss_weight * wkd_logit_loss(preds_S, self.teacher_side(preds_T), gt_labels,
                                                 self.cost, self.tau, self.reg, self.iters)


def _cells(size: int, grid: int):
    """The reference's adaptive cells: floor(i * size / grid) to ceil((i + 1) * size / grid)."""
    return [(int(math.floor(i * size / grid)), int(math.ceil((i + 1) * size / grid)))
            for i in range(grid)]


def gaussian_moments(feature: torch.Tensor, grid: int = 1,
                     eps: float = 1e-5) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per channel (and grid cell) mean and ``sqrt(var + eps)`` of a (B, C, H, W) map over the
    positions of each cell (unbiased variance, as the reference)."""
    if grid == 1:
        return feature.mean(dim=(-1, -2)), torch.sqrt(feature.var(dim=(-1, -2)) + eps)
    means, stds = [], []
    for h0, h1 in _cells(feature.size(2), grid):
        for w0, w1 in _cells(feature.size(3), grid):
            block = feature[:, :, h0:h1, w0:w1]
            means.append(block.mean(dim=(-1, -2)))
            stds.append(torch.sqrt(block.var(dim=(-1, -2)) + eps))
    return torch.stack(means, -1), torch.stack(stds, -1)


def wkd_feature_loss(f_s: torch.Tensor, f_t: torch.Tensor, mean_cov_ratio: float = 2.0,
                     grid: int = 1, eps: float = 1e-5) -> torch.Tensor:
    r"""WKD-F: the Wasserstein-2 distance between diagonal Gaussians of the features.

    .. math::
        \rho \frac{\lVert \mu_s - \mu_t \rVert^2}{B g^2}
        + \frac{\lVert \sigma_s - \sigma_t \rVert^2}{B g^2}

    over channels and the :math:`g \times g` grid cells of :func:`gaussian_moments`, with
    :math:`\rho` = ``mean_cov_ratio``.
    """
    mu_s, sd_s = gaussian_moments(f_s, grid, eps)
    mu_t, sd_t = gaussian_moments(f_t, grid, eps)
    n = grid**2 * f_s.size(0)
    return mean_cov_ratio * F.mse_loss(mu_s, mu_t, reduction='sum') / n \
        + F.mse_loss(sd_s, sd_t, reduction='sum') / n


@MODELS.register_module()
class WKDFeatureLoss(DistillLoss):
    """WKD-F of Lv et al. (NeurIPS 2024). See :func:`wkd_feature_loss`. The student's map goes
    through a projector to the teacher's channels (the reference's conv-BN-ReLU:
    ``ConvModuleConnector`` with ``act_cfg=dict(type='ReLU')``).

    Args:
        mean_cov_ratio (float): weight of the mean term against the deviation term.
            Defaults to 2.0.
        grid (int): cells per side. Defaults to 1.
        eps (float): added to the variance. Defaults to 1e-5.
        loss_weight (float): the reference's ``WKD_FEAT_WEIGHT``. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's map. Defaults to True.
    """

    def __init__(self, mean_cov_ratio: float = 2.0, grid: int = 1, eps: float = 1e-5,
                 loss_weight: float = 1.0, teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        if not isinstance(grid, int) or grid < 1:
            raise ValueError(f'WKDFeatureLoss.grid must be an int >= 1, got {grid!r}')
        self.mean_cov_ratio, self.grid, self.eps = mean_cov_ratio, grid, eps

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, C, H, W) maps of one shape."""
        check_same_shape(preds_S, preds_T, 'WKDFeatureLoss')
        return self.loss_weight * wkd_feature_loss(
            preds_S.float(), self.teacher_side(preds_T).float(), self.mean_cov_ratio,
            self.grid, self.eps)
