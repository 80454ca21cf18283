"""In-batch contrastive distillation with the student embedded into the teacher's feature space
(Ye, Chen & Lai, 2023, "基于特征空间嵌入的对比知识蒸馏算法", FSECD)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.dist_utils import gather_batches


def positives_mask(n_local: int, n_all: int, offset: int, labels_local=None,
                   labels_all=None) -> torch.Tensor:
    """(n_local, n_all) boolean mask of the positives of each local anchor: its own sample
    (column ``offset + i``) and, given labels, every sample of the same class."""
    mask = torch.zeros(n_local, n_all, dtype=torch.bool)
    mask[torch.arange(n_local), offset + torch.arange(n_local)] = True
    if labels_local is not None:
        mask = mask.to(labels_local.device) | (labels_local[:, None] == labels_all[None, :])
    return mask


def info_nce(anchors: torch.Tensor, candidates: torch.Tensor, positives: torch.Tensor,
             tau: float) -> torch.Tensor:
    r"""InfoNCE of unit-norm ``anchors`` (n, d) against ``candidates`` (N, d):
    :math:`-\frac{1}{n}\sum_i \frac{1}{|P_i|}\sum_{p \in P_i}
    \log \frac{\exp(a_i^\top c_p / \tau)}{\sum_{j=1}^{N} \exp(a_i^\top c_j / \tau)}`,
    P_i the positives of anchor i (one: the usual cross-entropy over the batch; several: the
    supervised-contrastive average over them)."""
    log_prob = F.log_softmax(anchors @ candidates.t() / tau, dim=1)
    positives = positives.to(log_prob.device)
    return -((log_prob * positives).sum(1) / positives.sum(1)).mean()


def in_batch_contrastive_loss(preds_S: torch.Tensor, preds_T: torch.Tensor, tau: float = 0.1,
                              symmetric: bool = False, labels: Optional[torch.Tensor] = None,
                              gather: bool = True) -> torch.Tensor:
    r"""The student's embedded features against the batch's teacher features.

    With s_i the student feature of sample i already embedded into the teacher's feature
    space (the projector connector) and t_j the teacher's, both L2-normalised, each s_i forms
    N pairs with the N teacher features of the batch: (s_i, t_i) positive, the N-1 others
    negative; the loss is :func:`info_nce` (s -> t). ``symmetric`` averages it with the
    t -> s direction (teacher anchors, student candidates). With ``labels``, samples of the
    same class count as positives too. With ``gather`` under multi-process training, the
    candidates are those of every process (the global batch) and gradients reach this
    process's student features only.
    """
    s = F.normalize(preds_S.flatten(1), dim=1)
    t = F.normalize(preds_T.flatten(1), dim=1).detach()
    if gather:
        t_all, offset = gather_batches(t)
        s_all, _ = gather_batches(s, keep_local_grad=True) if symmetric else (None, offset)
        labels_all = gather_batches(labels)[0] if labels is not None else None
    else:
        t_all, s_all, offset, labels_all = t, s, 0, labels
    mask = positives_mask(len(s), len(t_all), offset, labels, labels_all)
    loss = info_nce(s, t_all, mask, tau)
    if symmetric:
        loss = 0.5 * (loss + info_nce(t, s_all, mask, tau))
    return loss


@MODELS.register_module(name=['InBatchContrastiveLoss', 'FSECDLoss'])
class InBatchContrastiveLoss(nn.Module):
    """In-batch contrastive KD with feature-space embedding: Ye, Chen & Lai, 2023,
    "基于特征空间嵌入的对比知识蒸馏算法" (contrastive knowledge distillation based on feature
    space embedding, FSECD). See :func:`in_batch_contrastive_loss`. Also registered as
    ``FSECDLoss``.

    ``preds_S``: the student's feature through its projector into the teacher's space (a
    ``LinearConnector`` from the student's to the teacher's width); ``preds_T``: the teacher's
    feature. No memory bank and no extra data: the negatives are the other samples of the
    batch (of the global batch under multi-process training, with ``gather``).

    Choices the paper leaves open, and why (see ``configs/fsecd/README.md`` for the sweep):
    the features are the pooled ones before the classifier (what the embedding-space
    relations of CRD and RKD use); the projector is one linear layer by default (an MLP is a
    connector option); τ = 0.1 by default.

    Args:
        tau (float): temperature τ. Defaults to 0.1.
        symmetric (bool): average with the teacher-anchored direction. Defaults to False.
        same_class_positives (bool): samples of the same class (``gt_labels``) are positives
            too. Defaults to False.
        gather (bool): under multi-process training, negatives from every process. Defaults
            to True.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 0.1, symmetric: bool = False,
                 same_class_positives: bool = False, gather: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not isinstance(tau, (int, float)) or tau <= 0:
            raise ValueError(f'InBatchContrastiveLoss.tau must be a positive number, got {tau!r}')
        self.tau, self.symmetric = float(tau), symmetric
        self.same_class_positives, self.gather = same_class_positives, gather
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        if preds_S.shape[0] != preds_T.shape[0] or preds_S.flatten(1).shape != \
                preds_T.flatten(1).shape:
            raise ValueError(
                f'InBatchContrastiveLoss compares the embedded student feature with the '
                f'teacher feature: got {tuple(preds_S.shape)} and {tuple(preds_T.shape)}; map '
                "the student through a projector connector to the teacher's width")
        labels = gt_labels if self.same_class_positives else None
        if self.same_class_positives and gt_labels is None:
            raise ValueError('InBatchContrastiveLoss(same_class_positives=True) needs the '
                             'labels of the batch')
        return self.loss_weight * in_batch_contrastive_loss(
            preds_S, preds_T, self.tau, self.symmetric, labels, self.gather)
