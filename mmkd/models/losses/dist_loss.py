"""DIST: distillation from a stronger teacher (Huang et al., NeurIPS 2022)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from .checks import check_positive, check_same_shape


def pearson_correlation(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Row-wise Pearson correlation of two (N, D) tensors: cosine of the centred rows."""
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1) + eps)


def dist_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, inter_loss_weight: float = 1.0,
              intra_loss_weight: float = 1.0, tau: float = 1.0) -> torch.Tensor:
    r"""DIST's relation loss on class probabilities :math:`Y = \mathrm{softmax}(Z / \tau)`.

    .. math::
        \mathcal{L} = \tau^2 \left(\beta\,(1 - \tfrac1B \textstyle\sum_i \rho(Y^s_{i,:}, Y^t_{i,:}))
        + \gamma\,(1 - \tfrac1K \textstyle\sum_k \rho(Y^s_{:,k}, Y^t_{:,k}))\right)

    with :math:`\rho` the Pearson correlation: inter-class relations per sample (rows), and
    intra-class relations per class over the batch (columns). As in the official code and
    MMRazor, :math:`\rho` adds ``eps=1e-8`` to the denominator.
    """
    y_s = F.softmax(preds_S / tau, dim=1)
    y_t = F.softmax(preds_T / tau, dim=1)
    inter = 1 - pearson_correlation(y_s, y_t).mean()
    intra = 1 - pearson_correlation(y_s.t(), y_t.t()).mean()
    return tau**2 * (inter_loss_weight * inter + intra_loss_weight * intra)


@MODELS.register_module()
class DISTLoss(DistillLoss):
    """"Knowledge Distillation from A Stronger Teacher", Huang et al., NeurIPS 2022.

    See :func:`dist_loss`. Matches the official DIST code and MMRazor's ``DISTLoss``
    (``inter_loss_weight`` is the paper's beta, ``intra_loss_weight`` its gamma).

    Args:
        inter_loss_weight (float): weight of the inter-class term. Defaults to 1.0.
        intra_loss_weight (float): weight of the intra-class term. Defaults to 1.0.
        tau (float): temperature. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    def __init__(self, inter_loss_weight: float = 1.0, intra_loss_weight: float = 1.0,
                 tau: float = 1.0, loss_weight: float = 1.0, teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        check_positive('tau', tau, 'DISTLoss')
        self.inter_loss_weight = inter_loss_weight
        self.intra_loss_weight = intra_loss_weight
        self.tau = tau

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student logits (B, K).
            preds_T: teacher logits (B, K).
        """
        check_same_shape(preds_S, preds_T, 'DISTLoss')
        preds_T = self.teacher_side(preds_T)
        return self.loss_weight * dist_loss(preds_S, preds_T, self.inter_loss_weight,
                                            self.intra_loss_weight, self.tau)
