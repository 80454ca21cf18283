"""Neuron selectivity transfer (Huang & Wang, "Like What You Like", 2017)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..utils.feature_maps import pool_to_smaller
from .feature_pairs import PairwiseFeatureLoss


def _poly_kernel_mean(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # k(x, y) = (x . y)^2 between every channel of a and every channel of b, per sample
    return torch.bmm(a, b.transpose(1, 2)).pow(2).mean()


def nst_loss(f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
    r"""Squared MMD with the polynomial kernel :math:`k(x, y) = (x^\top y)^2` between the
    channel maps of student and teacher, each flattened over positions and L2-normalised:

    .. math::
        \mathcal{L} = \overline{k(t, t')} + \overline{k(s, s')} - 2\,\overline{k(s, t)}

    the means running over samples and channel pairs (RepDistiller's ``NSTLoss`` with
    ``full_loss``; the teacher-teacher term carries no gradient). The larger map is pooled to
    the smaller one's size; channel counts may differ.
    """
    f_s, f_t = pool_to_smaller(f_s, f_t)
    s = F.normalize(f_s.flatten(2), dim=2)
    t = F.normalize(f_t.flatten(2), dim=2)
    return _poly_kernel_mean(t, t).detach() + _poly_kernel_mean(s, s) - 2 * _poly_kernel_mean(s, t)


@MODELS.register_module()
class NSTLoss(PairwiseFeatureLoss):
    """Neuron selectivity transfer: "Like What You Like: Knowledge Distill via Neuron Selectivity
    Transfer", Huang & Wang, arXiv 1707.01219, 2017. See :func:`nst_loss`; values equal
    RepDistiller's (its CIFAR weight 50 is ``loss_weight``). ``preds_S``/``preds_T`` may be
    sequences of maps (one per layer): the losses are summed.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    pair_fn = staticmethod(nst_loss)
