"""Mean absolute difference of logits: DFAD's discrepancy (Fang et al., 2019)."""
import torch

from mmkd.registry import MODELS
from .checks import check_same_shape
from .distill_loss import DistillLoss


@MODELS.register_module()
class L1Loss(DistillLoss):
    r"""Mean absolute error between the student's and the teacher's records,
    :math:`\frac{1}{BC}\sum |z^s - z^t|`: DFAD's ``F.l1_loss(s_logit, t_logit)`` ("Data-Free
    Adversarial Distillation", Fang et al., 2019), and MMRazor's ``L1Loss``.

    The student minimises it; DFAD's generator maximises it: give the generator's copy
    ``loss_weight=-1.0`` and ``teacher_detach=False`` (the generator's gradient goes
    through the teacher too).

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into ``preds_T``. Defaults to True.
    """

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        check_same_shape(preds_S, preds_T, 'L1Loss')
        return self.loss_weight * (preds_S - self.teacher_side(preds_T)).abs().mean()
