"""PKD: feature imitation through the Pearson correlation (Cao et al., NeurIPS 2022)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..utils.feature_maps import resize_to
from .feature_pairs import PairwiseFeatureLoss


def standardize_channels(f: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Each channel of a (N, C, H, W) map to zero mean and unit (unbiased) standard deviation
    over the batch and positions, as MMRazor's ``PKDLoss.norm``."""
    flat = f.transpose(0, 1).flatten(1)
    flat = (flat - flat.mean(1, keepdim=True)) / (flat.std(1, keepdim=True) + eps)
    return flat.view(f.shape[1], f.shape[0], *f.shape[2:]).transpose(0, 1)


def pkd_loss(f_s: torch.Tensor, f_t: torch.Tensor, resize_student: bool = True) -> torch.Tensor:
    r"""Half the MSE of channel-standardised features, which equals :math:`1 - r` (Pearson's r
    between the two feature vectors of a channel, averaged): MMRazor's ``PKDLoss``. A map of
    another H x W is resized (bilinear): the student's to the teacher's, or the other way."""
    if resize_student:
        f_s = resize_to(f_s, f_t.shape[2:])
    else:
        f_t = resize_to(f_t, f_s.shape[2:])
    if f_s.shape != f_t.shape:
        raise ValueError(f'PKDLoss needs the same batch and channels, got {tuple(f_s.shape)} '
                         f'(student) and {tuple(f_t.shape)} (teacher): use a connector')
    return F.mse_loss(standardize_channels(f_s), standardize_channels(f_t)) / 2


@MODELS.register_module()
class PKDLoss(PairwiseFeatureLoss):
    """"PKD: General Distillation Framework for Object Detectors via Pearson Correlation
    Coefficient", Cao et al., NeurIPS 2022. See :func:`pkd_loss`; ``preds_S``/``preds_T`` may be
    sequences of maps (summed, as MMRazor does for FPN levels).

    Args:
        resize_student (bool): resize the student's map to the teacher's size (default), else
            the teacher's to the student's.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, resize_student: bool = True, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.resize_student = resize_student

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return pkd_loss(f_s, f_t, self.resize_student)
