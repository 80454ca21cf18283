"""Universal self-knowledge distillation, USKD (Yang et al., ICCV 2023)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from .normalized_kd import non_target_logits


def uskd_loss(preds_S: torch.Tensor, weak_logits: torch.Tensor, gt_labels: torch.Tensor,
              zipf: torch.Tensor, alpha: float = 1.0, beta: float = 0.1,
              mu: float = 0.005) -> torch.Tensor:
    r"""USKD: normalised KD with soft labels the student makes for itself.

    .. math::
        \mathcal{L} = \alpha\,\mathcal{L}_t + \beta\,\mathcal{L}_{non} + \mathcal{L}_{weak}

    * target: :math:`\mathcal{L}_t = -\frac1B\sum_b \tilde p_b \log p^s_{b,y}`, with the soft
      target :math:`\tilde p = p_y^2 + 1 - \overline{p_y^2}` (batch mean), no gradient;
    * weak supervision: :math:`\mathcal{L}_{weak} = -\frac{\mu}{B}\sum_b \sum_k y^{ls}_k
      \log \mathrm{softmax}(w)_k`, the weak classifier's logits ``weak_logits`` :math:`w`
      (on a mid-level feature) against labels smoothed by 0.1;
    * non-target: the non-target classes ranked by
      :math:`\mathrm{softmax}(w)_k / (1 - \mathrm{softmax}(w)_y) + \log p^s_k / (1 - \log p^s_y)`,
      the class of rank r given :math:`1/r` (Zipf), renormalised over the non-target classes
      (no gradient); :math:`\mathcal{L}_{non} = -\frac1B\sum_b \sum_{k\ne y} z_k \log \hat p^s_k`
      with :math:`\hat p^s` the student's softmax over the non-target logits.

    "From Knowledge Distillation to Self-Knowledge Distillation: A Unified Approach with
    Normalized Loss and Customized Soft Labels", Yang et al., ICCV 2023. Values equal cls_KD's
    ``USKDLoss`` for hard labels. As in that code, the rank adds the weak classifier's
    probabilities to the student's *log*-probabilities (the paper ranks by probabilities).
    """
    label = gt_labels.view(-1, 1)
    n, k = preds_S.shape
    p_y = F.softmax(preds_S, dim=1).gather(1, label)
    soft_target = (p_y**2 + 1 - (p_y**2).mean(0, keepdim=True)).detach()
    log_p = F.log_softmax(preds_S, dim=1)
    log_p_y = log_p.gather(1, label)
    loss_t = -(soft_target * log_p_y).sum(dim=1).mean()

    smoothed = torch.zeros_like(preds_S).scatter_(1, label, 0.9) + 0.1 / k
    loss_weak = -(mu * smoothed * F.log_softmax(weak_logits, dim=1)).sum(dim=1).mean()

    w = F.softmax(weak_logits, dim=1)
    score = w / (1 - w.gather(1, label) + 1e-6) + log_p / (1 - log_p_y + 1e-6)
    order = torch.sort(score, descending=True, dim=1).indices
    z = zipf.expand(n, k).gather(1, torch.argsort(order, dim=1))
    z_non = non_target_logits(z, gt_labels)
    z_non = (z_non / z_non.sum(dim=1, keepdim=True)).detach()
    loss_non = -(z_non * F.log_softmax(non_target_logits(preds_S, gt_labels), dim=1)).sum(1).mean()
    return alpha * loss_t + beta * loss_non + loss_weak


@MODELS.register_module()
class USKDLoss(DistillLoss):
    """USKD of Yang et al. (ICCV 2023), self-distillation without a teacher. See
    :func:`uskd_loss`.

    The loss owns the weak classifier (a linear layer, trained with the student and saved
    with it). Its "teacher side" ``preds_T`` is the student's own mid-level feature (the
    reference's: the pooled output of the second-to-last stage of a CNN, e.g. a
    ``ModuleOutputs`` recorder on ``backbone.layer3`` of a ResNet; a (B, C, H, W) map is
    average-pooled here), and, as in the reference, the weak loss trains the backbone through
    it (``teacher_detach=False``). Used beside the student's own CE. The reference's settings:
    ImageNet alpha 1, beta 0.1, mu 0.005; CIFAR-100 ResNet-18 alpha 0.1, beta 0.1, mu 0.1.

    Args:
        channels (int | 'auto'): channels of the mid-level feature.
        num_classes (int | 'auto'): number of classes.
        alpha (float): weight of the target term. Defaults to 1.0.
        beta (float): weight of the non-target term. Defaults to 0.1.
        mu (float): weight of the weak supervision. Defaults to 0.005.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the mid-level feature. Defaults to False.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'channels': 'preds_T.channels', 'num_classes': 'preds_S.channels'}

    def __init__(self, channels: int, num_classes: int, alpha: float = 1.0, beta: float = 0.1,
                 mu: float = 0.005, loss_weight: float = 1.0,
                 teacher_detach: bool = False) -> None:
        super().__init__(loss_weight, teacher_detach)
        for name, value in (('channels', channels), ('num_classes', num_classes)):
            if not isinstance(value, int) or value < 1 or (name == 'num_classes' and value < 2):
                raise ValueError(f'USKDLoss.{name} must be a positive int (num_classes >= 2), '
                                 f'got {value!r}')
        self.alpha, self.beta, self.mu = alpha, beta, mu
        self.fc = nn.Linear(channels, num_classes)
        self.register_buffer('zipf', 1.0 / torch.arange(1, num_classes + 1), persistent=False)

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """preds_S: (B, K) student logits; preds_T: its mid-level feature, (B, C) or
        (B, C, H, W); gt_labels: (B,) class indices."""
        if preds_S.dim() != 2 or preds_S.size(1) != self.zipf.numel():
            raise ValueError(f'USKDLoss needs (B, {self.zipf.numel()}) logits (num_classes), '
                             f'got {tuple(preds_S.shape)}')
        feature = self.teacher_side(preds_T)
        if feature.dim() == 4:
            feature = feature.mean(dim=(2, 3))
        if feature.dim() != 2 or feature.size(1) != self.fc.in_features:
            raise ValueError(f'USKDLoss needs a (B, {self.fc.in_features}) mid-level feature '
                             f'(channels), got {tuple(preds_T.shape)}')
        return self.loss_weight * uskd_loss(preds_S, self.fc(feature), gt_labels, self.zipf,
                                            self.alpha, self.beta, self.mu)
