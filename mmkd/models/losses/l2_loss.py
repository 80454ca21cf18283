"""Squared-error feature matching: FitNets hints (Romero et al., 2015)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .distill_loss import DistillLoss
from .checks import check_choice, check_same_shape

L2_REDUCTIONS = ('mean', 'batchmean', 'sum')


def l2_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, normalize: bool = False,
            reduction: str = 'mean') -> torch.Tensor:
    r"""Squared L2 distance between student and teacher features.

    .. math::
        \mathcal{L} = \mathrm{red}\left( (r(F_s) - F_t)^2 \right)

    where :math:`r` is the regressor (a connector applied before the loss). ``reduction``:
    ``'mean'`` over every element, i.e. ``F.mse_loss`` (FitNets as in mdistiller);
    ``'batchmean'``, the sum divided by the batch size (MMRazor's ``L2Loss``); ``'sum'``.
    With ``normalize=True`` each sample's flattened features are L2-normalised first.
    """
    if normalize:
        preds_S = F.normalize(preds_S.flatten(1), dim=1)
        preds_T = F.normalize(preds_T.flatten(1), dim=1)
    sq = (preds_S - preds_T).pow(2)
    if reduction == 'mean':
        return sq.mean()
    if reduction == 'batchmean':
        return sq.sum() / preds_S.size(0)
    return sq.sum()


@MODELS.register_module()
class L2Loss(DistillLoss):
    """FitNets hint loss: "FitNets: Hints for Thin Deep Nets", Romero et al., ICLR 2015.

    See :func:`l2_loss`. The defaults (no normalisation, mean over elements) give mdistiller's
    FitNet loss, ``F.mse_loss(regressor(F_s), F_t)``. MMRazor's ``L2Loss()`` defaults equal
    ``L2Loss(normalize=True, reduction='batchmean')`` here. The paper's two-stage schedule (hint
    pre-training of the lower layers, then KD) is a config matter, not part of the loss.

    Args:
        normalize (bool): L2-normalise each sample's features first. Defaults to False.
        reduction (str): ``'mean'`` (default), ``'batchmean'`` or ``'sum'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        teacher_detach (bool): stop gradients into the teacher's features. Defaults to True.
    """

    def __init__(self, normalize: bool = False, reduction: str = 'mean', loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__(loss_weight, teacher_detach)
        check_choice('reduction', reduction, L2_REDUCTIONS, 'L2Loss')
        self.normalize = normalize
        self.reduction = reduction

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S: student features after the regressor, (B, C, H, W) or (B, D).
            preds_T: teacher features of the same shape.
        """
        check_same_shape(preds_S, preds_T, 'L2Loss')
        preds_T = self.teacher_side(preds_T)
        return self.loss_weight * l2_loss(preds_S, preds_T, self.normalize, self.reduction)
