"""Streamlined knowledge distillation, SKD (Jeong, Lee & Choi, CVPR 2026)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive, check_same_shape
from .distill_loss import DistillLoss
from .kl_divergence import soft_kl
from .logit_standardization import LogitLoss
from .multi_level_logit import confidence_masks

GRAM_SCALES = ('none', 'classes')


def skd_direction_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, tikhonov: float = 0.1,
                       gram_scale: str = 'none') -> torch.Tensor:
    r"""SKD's direction term: the Mahalanobis norm of the rows of the difference between the
    two B x B Gram matrices of L2-normalised logits.

    .. math::
        D = \hat Z_s \hat Z_s^\top - \hat Z_t \hat Z_t^\top, \quad
        \Sigma' = \mathrm{cov}(D) + \lambda I, \quad
        \mathcal{L} = \frac1B \sum_i \sqrt{D_i^\top \Sigma'^{-1} D_i}

    (``torch.cov``, unbiased; the inverse through a Cholesky factor). ``gram_scale='classes'``
    divides both Gram matrices by the number of classes first, as the authors' code does
    (which, with the same lambda, weighs the regulariser C^2 times more).
    """
    z_s, z_t = F.normalize(preds_S, p=2, dim=1), F.normalize(preds_T, p=2, dim=1)
    diff = z_s @ z_s.t() - z_t @ z_t.t()
    if gram_scale == 'classes':
        diff = diff / preds_S.size(1)
    cov = torch.cov(diff.t()) + tikhonov * torch.eye(diff.size(1), dtype=diff.dtype,
                                                     device=diff.device)
    inv = torch.cholesky_inverse(torch.linalg.cholesky(cov))
    return torch.sqrt(torch.einsum('bi,ij,bj->b', diff, inv, diff)).mean()


def _mask_fraction(preds_T: torch.Tensor, which: int) -> torch.Tensor:
    """The fraction of samples (0) or classes (1) the teacher's confidence masks keep: what the
    authors' masks multiply their already reduced losses by."""
    return confidence_masks(preds_T)[which].float().mean()


@MODELS.register_module()
class SKDInstanceLoss(LogitLoss):
    """SKD's instance term: "Streamlined Knowledge Distillation", Jeong, Lee & Choi, CVPR 2026.

    The KL divergence from the teacher's to the student's softmax at temperature tau, averaged
    over the batch, as torchdistill's ``SKDInstanceLoss`` (the default). The authors' code
    (``HyunJunSik/StreamLined``) multiplies it by tau^2 (``tau_squared=True``) and by the
    fraction of samples whose teacher confidence is at most the batch median
    (``confidence_mask=True``, about 1/2: its mask scales a scalar).

    Args:
        tau (float): temperature. Defaults to 4.0.
        tau_squared (bool): multiply by tau^2. Defaults to False.
        confidence_mask (bool): scale by the masked fraction. Defaults to False.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    def __init__(self, tau: float = 4.0, tau_squared: bool = False,
                 confidence_mask: bool = False, loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        check_positive('tau', tau, 'SKDInstanceLoss')
        self.tau, self.tau_squared, self.confidence_mask = tau, tau_squared, confidence_mask

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits."""
        check_same_shape(preds_S, preds_T, 'SKDInstanceLoss')
        preds_S, preds_T = self.logits(preds_S, preds_T)
        loss = soft_kl(F.log_softmax(preds_S / self.tau, dim=1),
                       F.softmax(preds_T / self.tau, dim=1),
                       self.tau if self.tau_squared else 1.0)
        if self.confidence_mask:
            loss = loss * _mask_fraction(preds_T, 0)
        return self.loss_weight * loss


@MODELS.register_module()
class SKDDirectionLoss(DistillLoss):
    """SKD's direction term (Jeong, Lee & Choi, CVPR 2026). See :func:`skd_direction_loss`.

    torchdistill's ``SKDDirectionLoss`` by default; the authors' code divides the Gram
    matrices by the number of classes (``gram_scale='classes'``) and scales the loss by the
    fraction of classes whose summed teacher probability is at most the median
    (``confidence_mask=True``). Needs a batch of at least 2.

    Args:
        tikhonov (float): lambda, added to the covariance's diagonal. Defaults to 0.1.
        gram_scale (str): ``'none'`` or ``'classes'``. Defaults to ``'none'``.
        confidence_mask (bool): scale by the masked fraction of classes. Defaults to False.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's logits. Defaults to True.
    """

    def __init__(self, tikhonov: float = 0.1, gram_scale: str = 'none',
                 confidence_mask: bool = False, loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        check_positive('tikhonov', tikhonov, 'SKDDirectionLoss')
        if gram_scale not in GRAM_SCALES:
            raise ValueError(f'SKDDirectionLoss.gram_scale must be one of {GRAM_SCALES}, got '
                             f'{gram_scale!r}')
        self.tikhonov, self.gram_scale, self.confidence_mask = tikhonov, gram_scale, \
            confidence_mask

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits, B >= 2."""
        check_same_shape(preds_S, preds_T, 'SKDDirectionLoss')
        if preds_S.dim() != 2 or preds_S.size(0) < 2:
            raise ValueError(f'SKDDirectionLoss needs (B, K) logits with B >= 2, got '
                             f'{tuple(preds_S.shape)}')
        preds_T = self.teacher_side(preds_T)
        loss = skd_direction_loss(preds_S, preds_T, self.tikhonov, self.gram_scale)
        if self.confidence_mask:
            loss = loss * _mask_fraction(preds_T, 1)
        return self.loss_weight * loss
