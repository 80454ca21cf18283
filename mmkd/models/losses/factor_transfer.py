"""Factor transfer (Kim, Park & Kwak, "Paraphrasing Complex Network", NeurIPS 2018)."""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_choice
from ..utils.feature_maps import pool_to_smaller
from .feature_pairs import PairwiseFeatureLoss

FT_MODES = ('flat', 'repdistiller')


def factor(f: torch.Tensor, mode: str = 'flat') -> torch.Tensor:
    """A factor as the loss compares it: ``'flat'``, the whole factor flattened per sample and
    L2-normalised (paper, MMRazor, torchdistill); ``'repdistiller'``, the channel mean of its
    squares, flattened and normalised (RepDistiller's ``FactorTransfer``)."""
    if mode == 'repdistiller':
        f = f.pow(2).mean(1)
    return F.normalize(f.flatten(1), dim=1)


def ft_loss(factor_s: torch.Tensor, factor_t: torch.Tensor, mode: str = 'flat') -> torch.Tensor:
    r"""Mean absolute difference of the normalised factors:
    :math:`\mathrm{mean}\,|\,\phi_s/\lVert\phi_s\rVert_2 - \phi_t/\lVert\phi_t\rVert_2\,|`
    (``F.l1_loss``, i.e. the paper's p = 1 distance averaged over elements). With
    ``'repdistiller'`` the larger map is pooled first and channels may differ."""
    if mode == 'repdistiller':
        factor_s, factor_t = pool_to_smaller(factor_s, factor_t)
    elif factor_s[0].numel() != factor_t[0].numel():
        raise ValueError(f'FTLoss needs factors of the same size, got {tuple(factor_s.shape)} '
                         f'(student, translator output) and {tuple(factor_t.shape)} (teacher, '
                         'paraphraser output): give both the same factor channels and size')
    return F.l1_loss(factor(factor_s, mode), factor(factor_t, mode))


@MODELS.register_module()
class FTLoss(PairwiseFeatureLoss):
    """Factor transfer: "Paraphrasing Complex Network: Network Compression via Factor Transfer",
    Kim et al., NeurIPS 2018. See :func:`ft_loss`.

    ``preds_T`` is the teacher factor (the output of a ``Paraphraser`` connector's encoder,
    pre-trained by reconstruction and frozen), ``preds_S`` the student factor (a ``Translator``
    connector's output). The paper's β (500 on CIFAR in RepDistiller) is ``loss_weight``.

    Args:
        mode (str): ``'flat'`` (default) or ``'repdistiller'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, mode: str = 'flat', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        check_choice('mode', mode, FT_MODES, 'FTLoss')
        self.mode = mode

    def pair_loss(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return ft_loss(f_s, f_t, self.mode)
