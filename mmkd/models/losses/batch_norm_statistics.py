"""DeepInversion's feature-distribution loss: "Dreaming to Distill: Data-free Knowledge
Transfer via DeepInversion", Yin et al., CVPR 2020 (``DeepInversionFeatureHook``)."""
from typing import Sequence

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from ..recorders.batch_norm_statistics import LayerStatistics


def bn_statistics_loss(stats: Sequence[LayerStatistics],
                       first_multiplier: float = 1.0) -> torch.Tensor:
    r"""The distance of synthesized images' feature statistics from the teacher's running
    BatchNorm statistics, summed over layers:

    .. math::
        \mathcal{L} = \sum_l w_l \left( \lVert \sigma^2_l(x) - \hat\sigma^2_l \rVert_2
        + \lVert \mu_l(x) - \hat\mu_l \rVert_2 \right)

    with :math:`\mu_l, \sigma^2_l` the per-channel mean and biased variance of the input of
    layer l on the batch, :math:`\hat\mu_l, \hat\sigma^2_l` its running statistics, the norms
    not squared (as the reference code), :math:`w_1` = ``first_multiplier`` (the reference's
    ``first_bn_multiplier``: 10 on ImageNet, none on CIFAR-10) and :math:`w_l = 1` after.
    """
    if not stats:
        raise ValueError('bn_statistics_loss: no BatchNorm statistics were recorded')
    total = 0
    for i, (mean, var, running_mean, running_var) in enumerate(stats):
        term = torch.linalg.vector_norm(running_var.detach() - var) + \
            torch.linalg.vector_norm(running_mean.detach() - mean)
        total = total + (first_multiplier if i == 0 else 1.0) * term
    return total


@MODELS.register_module()
class BNStatisticsLoss(nn.Module):
    """DeepInversion's BatchNorm statistics loss, :func:`bn_statistics_loss`, as a generator
    loss of data-free distillation: map ``stats`` to a teacher's ``BatchNormStatistics``
    record. Usable beside DAFL's and DFAD's generator losses.

    Args:
        first_multiplier (float): the weight of the first layer's term. Defaults to 1.0.
        loss_weight (float): the reference's ``r_feature`` (0.01 to 0.05 on ImageNet, 10 in
            its CIFAR-10 paper settings). Defaults to 1.0.
    """

    def __init__(self, first_multiplier: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.first_multiplier = first_multiplier
        self.loss_weight = loss_weight

    def forward(self, stats: Sequence[LayerStatistics]) -> torch.Tensor:
        return self.loss_weight * bn_statistics_loss(stats, self.first_multiplier)
