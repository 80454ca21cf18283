"""Channel-wise distillation (Shu et al., ICCV 2021)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_positive
from ..utils.feature_maps import resize_to
from .feature_pairs import PairwiseFeatureLoss


def cwd_loss(f_s: torch.Tensor, f_t: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    r"""KL divergence between the spatial softmax of each channel, teacher to student:

    .. math::
        \frac{\tau^2}{N C}\sum_{n,c}\sum_{i} p_t^{n,c}(i)\,
        \left[\log p_t^{n,c}(i) - \log p_s^{n,c}(i)\right],\quad
        p^{n,c} = \mathrm{softmax}_i(F_{n,c,i}/\tau)

    as MMRazor's ``ChannelWiseDivergence`` (summed over positions, divided by N·C). Channels
    must match (use a connector); a student map of another H x W is resized (bilinear) to the
    teacher's instead of being refused.
    """
    if f_s.shape[:2] != f_t.shape[:2]:
        raise ValueError(f'ChannelWiseDivergence needs the same batch and channels, got '
                         f'{tuple(f_s.shape)} (student) and {tuple(f_t.shape)} (teacher)')
    f_s = resize_to(f_s, f_t.shape[2:])
    n, c = f_t.shape[:2]
    log_p_s = F.log_softmax(f_s.reshape(n * c, -1) / tau, dim=1)
    log_p_t = F.log_softmax(f_t.reshape(n * c, -1) / tau, dim=1)
    return (log_p_t.exp() * (log_p_t - log_p_s)).sum() * tau**2 / (n * c)


@MODELS.register_module()
class ChannelWiseDivergence(PairwiseFeatureLoss):
    """"Channel-wise Knowledge Distillation for Dense Prediction", Shu et al., ICCV 2021.
    See :func:`cwd_loss`.

    Args:
        tau (float): temperature. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_positive('tau', tau, 'ChannelWiseDivergence')
        self.tau = tau

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return cwd_loss(f_s, f_t, self.tau)
