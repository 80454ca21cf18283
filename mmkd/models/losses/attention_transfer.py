"""Attention transfer (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_choice, check_positive
from ..utils.feature_maps import pool_to_smaller
from .feature_pairs import PairwiseFeatureLoss

AT_MODES = ('code', 'paper')


def attention_map(f: torch.Tensor, p: float = 2, mode: str = 'code') -> torch.Tensor:
    r"""Spatial attention of a (B, C, H, W) map, flattened and L2-normalised per sample.

    ``'code'`` (RepDistiller/mdistiller): :math:`a = \mathrm{norm}(\frac{1}{C}\sum_c F_c^p)`;
    ``'paper'``: :math:`a = \mathrm{norm}(\sum_c |F_c|^p)`. The channel mean and sum differ by
    a factor that normalisation removes; the absolute value matters only for odd ``p``.
    """
    if mode == 'paper':
        am = f.abs().pow(p).sum(1)
    else:
        am = f.pow(p).mean(1)
    return F.normalize(am.flatten(1), dim=1)


def at_loss(f_s: torch.Tensor, f_t: torch.Tensor, p: float = 2,
            mode: str = 'code') -> torch.Tensor:
    r"""Attention-transfer distance of one pair of maps (the larger map is pooled first).

    ``'code'``: :math:`\mathrm{mean}_{b,j}(a_s - a_t)^2` over the batch and the H·W positions
    (RepDistiller's ``Attention`` and mdistiller's AT). ``'paper'``:
    :math:`\mathrm{mean}_b \lVert a_s - a_t \rVert_2` (Eq. 2 of the paper without its β/2, which
    is ``loss_weight``).
    """
    f_s, f_t = pool_to_smaller(f_s, f_t)
    diff = attention_map(f_s, p, mode) - attention_map(f_t, p, mode)
    if mode == 'paper':
        return diff.norm(p=2, dim=1).mean()
    return diff.pow(2).mean()


@MODELS.register_module()
class ATLoss(PairwiseFeatureLoss):
    """Attention transfer: student and teacher spatial attention maps are matched.

    Paper: "Paying More Attention to Attention: Improving the Performance of Convolutional Neural
    Networks via Attention Transfer", Zagoruyko & Komodakis, ICLR 2017. See :func:`at_loss`.
    The default ``mode='code'`` gives the values of the CIFAR benchmark code (RepDistiller,
    mdistiller; their β = 1000 is ``loss_weight``); ``mode='paper'`` the paper's norm form.
    Channel counts may differ; the larger map is average-pooled to the smaller one's size.
    ``preds_S``/``preds_T`` may be sequences of maps (one per layer): the losses are summed.

    Args:
        p (float): power of the activations. Defaults to 2.
        mode (str): ``'code'`` (default) or ``'paper'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, p: float = 2, mode: str = 'code', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_choice('mode', mode, AT_MODES, 'ATLoss')
        check_positive('p', p, 'ATLoss')
        self.p, self.mode = p, mode

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return at_loss(f_s, f_t, self.p, self.mode)
