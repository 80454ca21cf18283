"""Overhaul of feature distillation (Heo et al., ICCV 2019): the partial L2 loss and the
per-channel margin of the teacher's pre-ReLU features."""
import math

import torch

from mmkd.registry import MODELS
from .checks import check_same_shape
from .feature_pairs import PairwiseFeatureLoss


def ofd_margin(gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    r"""Per-channel margin from a BatchNorm's weight γ and bias β (the teacher's pre-ReLU BN).

    The BN output of channel c is taken as :math:`x \sim N(\beta_c, \gamma_c^2)`; the margin is
    its expected negative response

    .. math::
        m_c = E[x \mid x < 0] = \beta_c - |\gamma_c|\,\frac{\phi(\beta_c/|\gamma_c|)}
        {\Phi(-\beta_c/|\gamma_c|)}

    and :math:`-3|\gamma_c|` where :math:`\Phi(-\beta_c/|\gamma_c|) \le 10^{-3}` (mdistiller's
    and the official code's rule), computed in float64.
    """
    s = gamma.detach().double().abs()
    m = beta.detach().double()
    z = -m / s
    cdf = 0.5 * torch.erfc(-z / math.sqrt(2.0))
    pdf = torch.exp(-0.5 * z.pow(2)) / math.sqrt(2.0 * math.pi)
    margin = torch.where(cdf > 1e-3, m - s * pdf / cdf.clamp_min(1e-300), -3.0 * s)
    return margin.to(gamma.dtype)


def ofd_loss(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Partial L2 of OFD, summed over elements and divided by the batch size:

    .. math::
        \frac{1}{B}\sum (s - t')^2 \,[\, s > t' \,\vee\, t' > 0 \,]

    with ``target`` :math:`t' = \max(t, m)`, the teacher's pre-ReLU feature raised to its
    channel margin (the ``OFDTeacherConnector`` does that). Equal to mdistiller's
    ``feat_loss(s, t, m)``: where t ≤ m the target is m and only s > m is penalised; where
    m < t ≤ 0 only s > t; where t > 0 always.
    """
    check_same_shape(source, target, 'OFDLoss')
    mask = (source > target) | (target > 0)
    return ((source - target).pow(2) * mask.to(source.dtype)).sum() / source.shape[0]


@MODELS.register_module()
class OFDLoss(PairwiseFeatureLoss):
    """"A Comprehensive Overhaul of Feature Distillation", Heo et al., ICCV 2019.
    See :func:`ofd_loss`.

    ``preds_S``: the student's pre-ReLU feature through a connector (conv + BN in the
    reference) to the teacher's shape; ``preds_T``: the teacher's pre-ReLU feature through an
    ``OFDTeacherConnector`` (max with the margin of the teacher BN). mdistiller's CIFAR weight
    (1e-3 of the summed loss) is ``loss_weight``.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    pair_fn = staticmethod(ofd_loss)
