"""Flow of solution procedure (Yim et al., CVPR 2017, "A Gift from Knowledge Distillation")."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


def fsp_matrix(bottom: torch.Tensor, top: torch.Tensor) -> torch.Tensor:
    r"""The FSP matrix of two maps of one network, (B, C_top, C_bottom):
    :math:`G_{ij} = \frac{1}{HW} \sum_{h,w} F^{top}_{i,h,w} F^{bottom}_{j,h,w}`, the larger map
    average-pooled to the smaller one's size first (as RepDistiller)."""
    (hb, wb), (ht, wt) = bottom.shape[2:], top.shape[2:]
    if hb * wb > ht * wt:
        bottom = F.adaptive_avg_pool2d(bottom, (ht, wt))
    elif hb * wb < ht * wt:
        top = F.adaptive_avg_pool2d(top, (hb, wb))
    return torch.einsum('bip,bjp->bij', top.flatten(2), bottom.flatten(2)) / top.shape[2:].numel()


def fsp_loss(preds_S: Sequence[torch.Tensor], preds_T: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mean squared difference of the student's and the teacher's FSP matrices of every two
    consecutive maps of the sequences, summed over the consecutive pairs."""
    total = 0.0
    for i in range(len(preds_S) - 1):
        with torch.no_grad():
            g_t = fsp_matrix(preds_T[i], preds_T[i + 1])
        total = total + (fsp_matrix(preds_S[i], preds_S[i + 1]) - g_t).pow(2).mean()
    return total


@MODELS.register_module()
class FSPLoss(nn.Module):
    """FSP: "A Gift from Knowledge Distillation: Fast Optimization, Network Minimization and
    Transfer Learning", Yim et al., CVPR 2017. See :func:`fsp_loss`; values equal
    RepDistiller's ``FSP`` summed over its pairs, as its initialisation stage does.

    ``preds_S`` and ``preds_T`` are each a sequence of two or more maps of one network
    (``recorder=['stem', 'stage1', ...]`` in the mapping), taken in consecutive pairs; a
    student map and the teacher map at the same place must have the same channels (the FSP
    matrices are compared entry by entry), which is checked. The paper trains the student on
    this loss alone first, then on its task: a first stage of ``DistillStagesHook``.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Sequence[torch.Tensor],
                preds_T: Sequence[torch.Tensor]) -> torch.Tensor:
        if isinstance(preds_S, torch.Tensor) or isinstance(preds_T, torch.Tensor) or \
                len(preds_S) != len(preds_T) or len(preds_S) < 2:
            raise ValueError('FSPLoss takes, for each side, a sequence of two or more maps '
                             "(recorder=['a', 'b', ...] in its mapping), the same number per side")
        s_c = [f.shape[1] for f in preds_S]
        t_c = [f.shape[1] for f in preds_T]
        if s_c != t_c:
            raise ValueError(f'FSPLoss needs the same channels in the student and the teacher at '
                             f'every mapped layer; got {s_c} (student) and {t_c} (teacher). Tap '
                             'layers of equal widths, or map the student\'s through connectors.')
        return self.loss_weight * fsp_loss(preds_S, preds_T)
