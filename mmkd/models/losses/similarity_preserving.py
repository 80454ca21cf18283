"""Similarity-preserving knowledge distillation (Tung & Mori, ICCV 2019)."""
import torch

from mmkd.registry import MODELS
from .feature_pairs import PairwiseFeatureLoss


def batch_similarity(f: torch.Tensor) -> torch.Tensor:
    """G = f fᵀ of the flattened samples (B x B), each row L2-normalised."""
    f = f.flatten(1)
    return torch.nn.functional.normalize(f @ f.t(), p=2, dim=1)


def sp_loss(f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
    r""":math:`\lVert G_t - G_s \rVert_F^2 / B^2`, with G the row-normalised batch similarity
    (:func:`batch_similarity`). Student and teacher maps may differ in C, H and W."""
    if f_s.shape[0] != f_t.shape[0]:
        raise ValueError(f'SPLoss: student and teacher batches differ: {f_s.shape[0]} vs '
                         f'{f_t.shape[0]}')
    b = f_s.shape[0]
    return (batch_similarity(f_t) - batch_similarity(f_s)).pow(2).sum() / (b * b)


@MODELS.register_module()
class SPLoss(PairwiseFeatureLoss):
    """Similarity-preserving KD: "Similarity-Preserving Knowledge Distillation", Tung & Mori,
    ICCV 2019. See :func:`sp_loss`; values equal RepDistiller's ``Similarity`` (its CIFAR
    weight 3000 on the last stage is ``loss_weight``). ``preds_S``/``preds_T`` may be
    sequences of maps (one per layer): the losses are summed.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    pair_fn = staticmethod(sp_loss)
