"""Relational knowledge distillation (Park et al., CVPR 2019): distance- and angle-wise."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS


def _embeddings(f: torch.Tensor, with_l2_norm: bool) -> torch.Tensor:
    f = f.flatten(1)
    return F.normalize(f, p=2, dim=1) if with_l2_norm else f


def pairwise_distance(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Euclidean distances between the rows of ``e`` (B, D), from the Gram matrix (squared
    distances clamped at ``eps``), with an exact zero diagonal, as the reference code."""
    sq = e.pow(2).sum(dim=1)
    d = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp(min=eps).sqrt()
    return d * (1 - torch.eye(len(e), dtype=d.dtype, device=d.device))


def distance_potential(e: torch.Tensor) -> torch.Tensor:
    """ψ_D: pairwise distances divided by their mean over the pairs of distinct samples."""
    d = pairwise_distance(e)
    return d / d[d > 0].mean()


def angle_potential(e: torch.Tensor) -> torch.Tensor:
    """ψ_A: for every anchor j, the cosines between the unit difference vectors e_i - e_j and
    e_k - e_j, flattened to (B³,)."""
    diff = F.normalize(e[None, :, :] - e[:, None, :], p=2, dim=2)
    return torch.bmm(diff, diff.transpose(1, 2)).flatten()


def rkd_distance_loss(preds_S, preds_T, with_l2_norm: bool = False) -> torch.Tensor:
    r"""Smooth-L1 between the distance potentials of student and teacher:
    :math:`\ell_{\delta=1}(\psi_D(s), \psi_D(t))`, averaged over the B² entries."""
    s, t = _embeddings(preds_S, with_l2_norm), _embeddings(preds_T, with_l2_norm)
    with torch.no_grad():
        target = distance_potential(t)
    return F.smooth_l1_loss(distance_potential(s), target)


def rkd_angle_loss(preds_S, preds_T, with_l2_norm: bool = False) -> torch.Tensor:
    r"""Smooth-L1 between the angle potentials, averaged over the B³ entries."""
    s, t = _embeddings(preds_S, with_l2_norm), _embeddings(preds_T, with_l2_norm)
    with torch.no_grad():
        target = angle_potential(t)
    return F.smooth_l1_loss(angle_potential(s), target)


class _RKD(nn.Module):
    """An RKD term: ``rkd_fn`` on the two sides' embeddings, weighted."""

    rkd_fn = None

    def __init__(self, loss_weight: float, with_l2_norm: bool = False) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.with_l2_norm = with_l2_norm

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * type(self).rkd_fn(preds_S, preds_T, self.with_l2_norm)


@MODELS.register_module()
class DistanceWiseRKD(_RKD):
    """Distance-wise RKD: "Relational Knowledge Distillation", Park et al., CVPR 2019. See
    :func:`rkd_distance_loss`.

    ``preds_S``/``preds_T``: (B, ...) embeddings, flattened per sample; their sizes may differ
    (only the B x B relations are compared). The default follows the CIFAR benchmark code
    (RepDistiller's and mdistiller's ``RKDLoss`` on the pooled features, without normalising
    the embeddings); ``with_l2_norm=True`` L2-normalises them first, as MMRazor.

    Args:
        loss_weight (float): the benchmark weight w_D = 25 by default.
        with_l2_norm (bool): normalise the embeddings first. Defaults to False.
    """

    rkd_fn = staticmethod(rkd_distance_loss)

    def __init__(self, loss_weight: float = 25.0, with_l2_norm: bool = False) -> None:
        super().__init__(loss_weight, with_l2_norm)


@MODELS.register_module()
class AngleWiseRKD(_RKD):
    """Angle-wise RKD (Park et al., CVPR 2019). See :func:`rkd_angle_loss` and
    :class:`DistanceWiseRKD` for the inputs and the normalisation option.

    Args:
        loss_weight (float): the benchmark weight w_A = 50 by default.
        with_l2_norm (bool): normalise the embeddings first. Defaults to False.
    """

    rkd_fn = staticmethod(rkd_angle_loss)

    def __init__(self, loss_weight: float = 50.0, with_l2_norm: bool = False) -> None:
        super().__init__(loss_weight, with_l2_norm)
