"""Variational information distillation (Ahn et al., CVPR 2019)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from .checks import check_positive
from ..utils.feature_maps import pool_to_smaller


def vid_nll(mean: torch.Tensor, target: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    r"""Mean Gaussian negative log-likelihood (without :math:`\frac12\log 2\pi`) of ``target``
    under :math:`N(\mu, \sigma^2_c)`:
    :math:`\mathrm{mean}\;\frac12\left[(\mu - t)^2/\sigma^2_c + \log\sigma^2_c\right]`."""
    var = var.view(1, -1, *([1] * (mean.dim() - 2)))
    return (0.5 * ((mean - target).pow(2) / var + var.log())).mean()


@MODELS.register_module()
class VIDLoss(DistillLoss):
    r"""Variational information distillation: "Variational Information Distillation for
    Knowledge Transfer", Ahn et al., CVPR 2019.

    A regressor (1x1 conv, ReLU, 1x1 conv, ReLU, 1x1 conv: the reference's) predicts the mean
    μ(s) of the teacher feature; the per-channel variance is
    :math:`\sigma^2_c = \mathrm{softplus}(\alpha_c) + \epsilon`, initialised so that
    :math:`\sigma^2 = ` ``init_pred_var``. The loss is :func:`vid_nll`; both are trained with the
    student and saved with it. The larger map is pooled to the smaller one's size first. Values
    equal RepDistiller's ``VIDLoss`` with the same parameters.

    Args:
        in_channels (int): student channels.
        mid_channels (int): regressor width.
        out_channels (int): teacher channels.
        init_pred_var (float): initial σ². Defaults to 5.0.
        eps (float): floor of σ². Defaults to 1e-5.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'preds_S.channels', 'mid_channels': 'preds_T.channels',
                  'out_channels': 'preds_T.channels'}

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int,
                 init_pred_var: float = 5.0, eps: float = 1e-5, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_positive('init_pred_var', init_pred_var, 'VIDLoss')

        def conv1x1(cin, cout):
            return nn.Conv2d(cin, cout, kernel_size=1, bias=False)

        self.regressor = nn.Sequential(conv1x1(in_channels, mid_channels), nn.ReLU(),
                                       conv1x1(mid_channels, mid_channels), nn.ReLU(),
                                       conv1x1(mid_channels, out_channels))
        # softplus^-1(init_pred_var - eps)
        self.log_scale = nn.Parameter(
            torch.full((out_channels, ), math.log(math.expm1(init_pred_var - eps))))
        self.eps = eps

    def variance(self) -> torch.Tensor:
        return F.softplus(self.log_scale) + self.eps

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        f_s, f_t = pool_to_smaller(preds_S, self.teacher_side(preds_T))
        return self.loss_weight * vid_nll(self.regressor(f_s), f_t, self.variance())
