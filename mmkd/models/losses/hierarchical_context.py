"""ReviewKD's hierarchical context loss."""
from typing import Sequence, Union

import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from ..utils.feature_maps import as_map
from .feature_pairs import sum_over_pairs


def hcl(f_s: torch.Tensor, f_t: torch.Tensor, levels: Sequence[int] = (4, 2, 1)) -> torch.Tensor:
    """Hierarchical context loss of one pair of (B, C, H, W) maps.

    ``(MSE(f_s, f_t) + Σ_k w_k · MSE(pool_k(f_s), pool_k(f_t))) / (1 + Σ_k w_k)`` over the
    pooling sizes k in ``levels`` smaller than H, with weights 1/2, 1/4, ... in that order;
    MSE is the mean over elements and ``pool_k`` adaptive average pooling to k x k.
    """
    f_s, f_t = as_map(f_s), as_map(f_t)
    if f_s.shape != f_t.shape:
        raise ValueError(f'HCLLoss: student map {tuple(f_s.shape)} and teacher map '
                         f'{tuple(f_t.shape)} differ; the fusion connector gives the teacher\'s '
                         'shape when its out_channels and out_sizes are the teacher\'s')
    loss = F.mse_loss(f_s, f_t)
    weight, total = 1.0, 1.0
    for k in levels:
        if k >= f_s.shape[2]:
            continue
        weight /= 2.0
        loss = loss + weight * F.mse_loss(F.adaptive_avg_pool2d(f_s, k),
                                          F.adaptive_avg_pool2d(f_t, k))
        total += weight
    return loss / total


@MODELS.register_module()
class HCLLoss(DistillLoss):
    """The hierarchical context loss of ReviewKD (Chen et al., CVPR 2021, "Distilling Knowledge
    via Knowledge Review"), summed over levels, as mdistiller's ``hcl_loss``: see :func:`hcl`.

    ``preds_S``: the fused student maps (:class:`ReviewKDFusion`'s output), ``preds_T``: the
    teacher's maps of the same levels (one map each, or tuples); (B, C) vectors count as 1x1
    maps. The teacher side carries no gradient.

    Args:
        levels (tuple[int]): pooling sizes of the context levels. Defaults to (4, 2, 1).
        loss_weight (float): multiplies the loss (mdistiller: 1, 5 for resnet32x4 ->
            resnet8x4). Defaults to 1.0.
    """

    def __init__(self, levels: Sequence[int] = (4, 2, 1), loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.levels = tuple(levels)

    def forward(self, preds_S: Union[torch.Tensor, Sequence[torch.Tensor]],
                preds_T: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
        return self.loss_weight * sum_over_pairs(
            lambda s, t: hcl(s, t, self.levels), preds_S, self.teacher_side(preds_T), 'HCLLoss')
