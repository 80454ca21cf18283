"""Activation-boundary distillation (Heo et al., AAAI 2019)."""
import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .feature_pairs import Maps, sum_over_pairs


def ab_loss(source: torch.Tensor, target: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    r"""The alternative L2 loss of activation boundaries, summed over elements, divided by B:

    .. math::
        \frac{1}{B}\sum \left[(r(s) + \mu)^2 \,[r(s) > -\mu \wedge t \le 0]
        + (r(s) - \mu)^2 \,[r(s) \le \mu \wedge t > 0]\right]

    with ``source`` the connected student pre-ReLU feature r(s), ``target`` the teacher's
    pre-ReLU feature t and margin μ. RepDistiller's ``ABLoss`` further multiplies layer i of n
    by 2^(i-n+1) and by 3/1000: in mmkd those are ``loss_weight`` values in the config.
    """
    check_same_shape(source, target, 'ABLoss')
    loss = ((source + margin).pow(2) * ((source > -margin) & (target <= 0)).to(source.dtype)
            + (source - margin).pow(2) * ((source <= margin) & (target > 0)).to(source.dtype))
    return loss.sum() / source.shape[0]


@MODELS.register_module()
class ABLoss(nn.Module):
    """Activation boundaries: "Knowledge Transfer via Distillation of Activation Boundaries
    Formed by Hidden Neurons", Heo et al., AAAI 2019. See :func:`ab_loss`.

    Feed it pre-ReLU features (the CIFAR zoo's ``backbone.taps.stage<i>_pre``; elsewhere a
    ``ModuleInputs`` recorder on the ReLU), the student's through a connector (conv + BN in the
    reference) to the teacher's shape. The paper trains the connector and the student on this
    loss alone first (its initialisation stage) and then trains normally; in mmkd that first
    stage is a stage of the config.

    Args:
        margin (float): μ. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, margin: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive('margin', margin, 'ABLoss')
        self.margin, self.loss_weight = margin, loss_weight

    def forward(self, preds_S: Maps, preds_T: Maps) -> torch.Tensor:
        return self.loss_weight * sum_over_pairs(lambda s, t: ab_loss(s, t.detach(), self.margin),
                                                 preds_S, preds_T, 'ABLoss')
