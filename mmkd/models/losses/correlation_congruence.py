"""Correlation congruence (Peng et al., ICCV 2019)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from .checks import check_choice, check_same_shape


def taylor_rbf_correlation(f: torch.Tensor, gamma: float, order: int) -> torch.Tensor:
    r"""The B x B correlation of the L2-normalised rows of ``f`` under a Gaussian RBF kernel
    :math:`k(x, y) = e^{-\gamma \lVert x - y \rVert^2} = e^{-2\gamma} e^{2\gamma x^\top y}`,
    the second factor replaced by its Taylor series up to ``order``:
    :math:`\sum_{p=0}^{P} e^{-2\gamma} \frac{(2\gamma)^p}{p!} (x^\top y)^p` (the paper's
    Eq. 9)."""
    f = F.normalize(f.flatten(1), p=2, dim=1)
    sim = f @ f.t()
    return sum(math.exp(-2 * gamma) * (2 * gamma)**p / math.factorial(p) * sim.pow(p)
               for p in range(order + 1))


def cc_loss(f_s: torch.Tensor, f_t: torch.Tensor, gamma: float = 0.4, order: int = 2,
            mode: str = 'taylor') -> torch.Tensor:
    r"""Correlation congruence between student and teacher embeddings (B, d).

    ``mode='taylor'`` (the paper): the mean squared difference of the two correlation
    matrices, :math:`\frac{1}{B^2}\lVert C_s - C_t \rVert_F^2`, C from
    :func:`taylor_rbf_correlation`. ``mode='repdistiller'``: the form in RepDistiller's
    ``Correlation`` (code shared by the authors), with δ = |f_s - f_t| over embeddings of the
    same size, :math:`\frac{1}{B-1}\sum_i \delta_i^\top \delta_{i+1}`, which correlates
    consecutive samples of the batch only.
    """
    if mode == 'taylor':
        with torch.no_grad():
            c_t = taylor_rbf_correlation(f_t, gamma, order)
        return F.mse_loss(taylor_rbf_correlation(f_s, gamma, order), c_t)
    check_same_shape(f_s, f_t, 'CCLoss(mode="repdistiller")')
    delta = (f_s - f_t.detach()).abs().flatten(1)
    return (delta[:-1] * delta[1:]).sum(1).mean()


@MODELS.register_module()
class CCLoss(nn.Module):
    """Correlation congruence: "Correlation Congruence for Knowledge Distillation", Peng et
    al., ICCV 2019. See :func:`cc_loss`.

    The default is the paper's kernel form: a Gaussian RBF kernel with its 2nd-order Taylor
    approximation (γ = 0.4, P = 2, the values of the common CIFAR re-implementations), on
    L2-normalised embeddings, whose sizes may then differ. ``mode='repdistiller'`` gives
    RepDistiller's values exactly (its CIFAR weight is 0.02, on 128-d linear embeddings of
    both networks' pooled features: ``LinearConnector`` on both sides).

    Args:
        gamma (float): kernel width γ. Defaults to 0.4.
        order (int): Taylor order P. Defaults to 2.
        mode (str): ``'taylor'`` or ``'repdistiller'``. Defaults to ``'taylor'``.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, gamma: float = 0.4, order: int = 2, mode: str = 'taylor',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_choice('mode', mode, ('taylor', 'repdistiller'), 'CCLoss')
        self.gamma, self.order, self.mode, self.loss_weight = gamma, order, mode, loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * cc_loss(preds_S, preds_T, self.gamma, self.order, self.mode)
