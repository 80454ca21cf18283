"""The generator losses of DAFL: "Data-Free Learning of Student Networks", Chen et al.,
ICCV 2019 (its ``DAFL-train.py``; the names are MMRazor's)."""
import torch
import torch.distributed as torch_dist
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.dist_utils import several_processes, summed_over_processes


def onehot_like_loss(preds_T: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy of the teacher's logits with their own arg-max:
    :math:`\frac1B\sum_i \mathrm{CE}(z_i, \arg\max_c z_{ic})`; low when the teacher is sure,
    so the generator learns images the teacher classifies confidently."""
    return F.cross_entropy(preds_T, preds_T.detach().argmax(dim=1))


def activation_loss(feat_T: torch.Tensor) -> torch.Tensor:
    r"""Minus the mean absolute activation: :math:`-\frac{1}{BD}\sum |f|` (DAFL's
    ``-features_T.abs().mean()`` on the teacher's penultimate features): images that excite
    the teacher's features."""
    return -feat_T.abs().mean()


def information_entropy_loss(preds_T: torch.Tensor, gather: bool = True) -> torch.Tensor:
    r"""Minus the entropy of the teacher's mean prediction over the batch, in base 10 as
    DAFL's code (``torch.log10``; the paper writes the natural logarithm):

    .. math::
        \bar p = \frac1B \sum_i \mathrm{softmax}(z_i), \qquad
        \mathcal{L} = \sum_c \bar p_c \log_{10} \bar p_c

    Low when the batch covers the classes evenly. With ``gather`` under several processes,
    :math:`\bar p` is the mean over every process's batch (as one process with the whole
    batch), as MMRazor's ``InformationEntropyLoss(gather=True)``.
    """
    probs = F.softmax(preds_T, dim=1)
    if gather and several_processes():
        stats = torch.cat([probs.detach().sum(0), probs.new_tensor([probs.shape[0]])])
        torch_dist.all_reduce(stats)
        # the other processes' rows as constants, this process's with their gradient
        mean = (stats[:-1] - probs.detach().sum(0) + probs.sum(0)) / stats[-1]
        return summed_over_processes((mean * torch.log10(mean)).sum())
    mean = probs.mean(dim=0)
    return (mean * torch.log10(mean)).sum()


class _TeacherRecordLoss(nn.Module):
    """A generator loss on the teacher's records alone (no student side: these losses train
    the generator through the teacher, so the records keep their gradients)."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight


@MODELS.register_module()
class OnehotLikeLoss(_TeacherRecordLoss):
    """DAFL's one-hot loss, :func:`onehot_like_loss`, on the teacher's logits ``preds_T``.

    Args:
        loss_weight (float): DAFL's ``oh``: 1 on MNIST, 0.05 on CIFAR-10, 0.5 on CIFAR-100.
    """

    def forward(self, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * onehot_like_loss(preds_T)


@MODELS.register_module()
class ActivationLoss(_TeacherRecordLoss):
    """DAFL's activation loss, :func:`activation_loss`, on the teacher's penultimate
    features ``feat_T`` (e.g. the output of the neck).

    Args:
        loss_weight (float): DAFL's ``a``: 0.1 on MNIST and CIFAR-100, 0.01 on CIFAR-10.
    """

    def forward(self, feat_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * activation_loss(feat_T)


@MODELS.register_module()
class InformationEntropyLoss(_TeacherRecordLoss):
    """DAFL's information-entropy loss, :func:`information_entropy_loss`, on the teacher's
    logits ``preds_T``.

    Args:
        loss_weight (float): DAFL's ``ie``: 5 on MNIST and CIFAR-10, 20 on CIFAR-100.
        gather (bool): the mean prediction over every process's batch. Defaults to True.
    """

    def __init__(self, loss_weight: float = 1.0, gather: bool = True) -> None:
        super().__init__(loss_weight)
        self.gather = gather

    def forward(self, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * information_entropy_loss(preds_T, self.gather)
