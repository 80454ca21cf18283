"""Activation-boundary distillation (Heo et al., AAAI 2019)."""
import torch

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .feature_pairs import PairwiseFeatureLoss


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
class ABLoss(PairwiseFeatureLoss):
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
        super().__init__(loss_weight)
        check_positive('margin', margin, 'ABLoss')
        self.margin = margin

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return ab_loss(f_s, f_t, self.margin)
