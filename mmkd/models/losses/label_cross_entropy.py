"""Cross-entropy of some logits against the batch's labels (an exit's own task loss)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


@MODELS.register_module()
class LabelCELoss(nn.Module):
    """``loss_weight · CE(preds_S, gt_labels)``, mean over the batch: the task loss of logits
    that are not the student's head, e.g. the shallow exits of self-distillation. The labels
    come from the batch (``gt_labels`` is not mapped).

    Args:
        label_smoothing (float): as ``F.cross_entropy``. Defaults to 0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, label_smoothing: float = 0.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.label_smoothing, self.loss_weight = label_smoothing, loss_weight

    def forward(self, preds_S: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * F.cross_entropy(preds_S, gt_labels,
                                                  label_smoothing=self.label_smoothing)
