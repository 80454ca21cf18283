"""Hard-label distillation (Touvron et al., DeiT, ICML 2021)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..teachers.needs import TeacherNeeds
from .checks import check_same_shape


def hard_label_kd(preds_S: torch.Tensor, preds_T: torch.Tensor,
                  label_smoothing: float = 0.0) -> torch.Tensor:
    r"""Cross-entropy of the student against the teacher's top class:
    :math:`\mathcal{L} = \mathrm{CE}(z_s, \arg\max_k z_t)`, averaged over the batch."""
    return F.cross_entropy(preds_S, preds_T.argmax(dim=1), label_smoothing=label_smoothing)


@MODELS.register_module()
class HardLabelKD(nn.Module):
    """Hard-label distillation of "Training data-efficient image transformers & distillation
    through attention", Touvron et al., ICML 2021 (DeiT's ``distillation_type='hard'``).

    DeiT gives this loss and the ground-truth CE weight 0.5 each (set the student head's
    ``loss_weight`` and this ``loss_weight`` to 0.5). The teacher's argmax carries no gradient.

    Args:
        label_smoothing (float): smoothing of the teacher's hard label. Defaults to 0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    # It reads only the teacher's top class, which a top-k cache keeps exactly.
    teacher_needs = TeacherNeeds(topk=1)

    def __init__(self, label_smoothing: float = 0.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f'HardLabelKD.label_smoothing must be in [0, 1), got {label_smoothing}')
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student logits (B, K).
            preds_T: teacher logits (B, K); only their argmax is used.
        """
        check_same_shape(preds_S, preds_T, 'HardLabelKD')
        return self.loss_weight * hard_label_kd(preds_S, preds_T, self.label_smoothing)
