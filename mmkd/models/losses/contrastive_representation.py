"""Contrastive representation distillation (Tian et al., ICLR 2020)."""
import math
from typing import List, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.dist_utils import gather_batches, global_mean

EPS = 1e-7


def nce_contrast_loss(scores: torch.Tensor, num_samples: int) -> torch.Tensor:
    r"""CRD's NCE loss (the paper's Eq. 18) of normalised scores ``scores`` (B, 1 + K), the
    positive first: with the noise probability :math:`P_n = 1/N` and :math:`m = K`,

    .. math::
        -\frac{1}{B}\sum_b \Big[\log\frac{x_{b0}}{x_{b0} + m P_n}
        + \sum_{k=1}^{K} \log\frac{m P_n}{x_{bk} + m P_n}\Big]

    (with ``1e-7`` in the denominators, as the reference code)."""
    m = scores.shape[1] - 1
    noise = m / float(num_samples)
    pos = scores[:, 0]
    neg = scores[:, 1:]
    log_d1 = torch.log(pos / (pos + noise + EPS))
    log_d0 = torch.log(noise / (neg + noise + EPS))
    return -(log_d1.sum() + log_d0.sum()) / scores.shape[0]


def momentum_update(memory: torch.Tensor, idx: torch.Tensor, features: torch.Tensor,
                    momentum: float) -> None:
    """``memory[idx] <- normalize(momentum * memory[idx] + (1 - momentum) * features)``, in
    place, rows in order (a repeated index keeps its last update, as ``index_copy_``)."""
    rows = memory.index_select(0, idx) * momentum + features.detach() * (1 - momentum)
    memory.index_copy_(0, idx, F.normalize(rows, p=2, dim=1))


@MODELS.register_module()
class CRDLoss(nn.Module):
    """Contrastive representation distillation: "Contrastive Representation Distillation",
    Tian, Krishnan & Isola, ICLR 2020, as RepDistiller's ``CRDLoss``.

    Student and teacher features (usually the pooled ones) are embedded by trainable linear
    heads into ``feat_dim`` and L2-normalised (v_s, v_t). Two memory banks of N x ``feat_dim``
    (buffers, so checkpoints hold them) keep a momentum average of every sample's embeddings.
    Each sample is contrasted with K + 1 bank rows (its own first, then K negatives): the
    student embedding against the teacher bank and the teacher embedding against the student
    bank, scores :math:`\\exp(v^\\top m / \\tau) / Z` with Z fixed on the first batch as
    N x the mean score (as the reference), and the loss is :func:`nce_contrast_loss` of both
    directions, summed. After the scores, the banks' rows of the batch are updated
    (:func:`momentum_update`).

    Multi-process training: the memory update takes the embeddings and indices of every
    process (gathered in rank order), and Z is the mean over the global batch, so the banks
    and Z are identical on every process, and equal to a single process's on the whole batch.

    The sample indices come from the batch (``data_samples`` metainfo ``sample_idx``: every
    mmpretrain dataset sets it; wrap the dataset in ``SampleIndexDataset`` to make it unique
    across concatenated datasets); negatives from its ``contrast_idx`` when the wrapper draws
    them, else uniformly from all N samples here.

    Args:
        student_channels (int): student feature size (after flattening).
        teacher_channels (int): teacher feature size.
        num_samples (int): N, the training set's size.
        feat_dim (int): embedding size. Defaults to 128.
        num_negatives (int): K. Defaults to 16384 (RepDistiller's CIFAR-100 setting).
        tau (float): temperature. Defaults to 0.07.
        momentum (float): memory momentum. Defaults to 0.5.
        loss_weight (float): multiplies the loss (the benchmark's 0.8). Defaults to 0.8.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'student_channels': 'preds_S.channels',
                  'teacher_channels': 'preds_T.channels'}

    def __init__(self, student_channels: int, teacher_channels: int, num_samples: int,
                 feat_dim: int = 128, num_negatives: int = 16384, tau: float = 0.07,
                 momentum: float = 0.5, loss_weight: float = 0.8) -> None:
        super().__init__()
        self.num_samples, self.num_negatives = num_samples, num_negatives
        self.tau, self.momentum, self.loss_weight = tau, momentum, loss_weight
        self.embed_s = nn.Linear(student_channels, feat_dim)
        self.embed_t = nn.Linear(teacher_channels, feat_dim)
        stdv = 1.0 / math.sqrt(feat_dim / 3)
        self.register_buffer('memory_s', torch.rand(num_samples, feat_dim) * 2 * stdv - stdv)
        self.register_buffer('memory_t', torch.rand(num_samples, feat_dim) * 2 * stdv - stdv)
        # normalising constants of the student- and teacher-anchored scores; < 0: not set yet
        self.register_buffer('z', torch.full((2, ), -1.0))

    def _indices(self, data_samples: Optional[List], batch: int, device):
        if not data_samples or 'sample_idx' not in data_samples[0].metainfo:
            raise ValueError('CRDLoss needs each sample\'s index (data_samples metainfo '
                             '"sample_idx"): mmpretrain datasets with PackInputs set it; or wrap '
                             "the dataset: dict(type='SampleIndexDataset', dataset=...)")
        idx = torch.as_tensor([int(d.metainfo['sample_idx']) for d in data_samples], device=device)
        if int(idx.max()) >= self.num_samples:
            raise ValueError(f'CRDLoss.num_samples={self.num_samples}, but the batch has sample '
                             f'index {int(idx.max())}: set num_samples to the size of the '
                             'training set')
        if 'contrast_idx' in data_samples[0].metainfo:
            contrast = torch.as_tensor(np.stack([d.metainfo['contrast_idx'] for d in data_samples]),
                                       device=device)
        else:
            contrast = torch.randint(0, self.num_samples, (batch, self.num_negatives + 1)).to(device)
            contrast[:, 0] = idx
        return idx, contrast

    def _scores(self, anchors: torch.Tensor, memory: torch.Tensor,
                contrast: torch.Tensor) -> torch.Tensor:
        rows = memory.index_select(0, contrast.flatten()).view(*contrast.shape, -1).detach()
        return torch.exp(torch.bmm(rows, anchors.unsqueeze(2)).squeeze(2) / self.tau)

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                data_samples: Optional[List] = None) -> torch.Tensor:
        v_s = F.normalize(self.embed_s(preds_S.flatten(1)), p=2, dim=1)
        v_t = F.normalize(self.embed_t(preds_T.detach().flatten(1)), p=2, dim=1)
        idx, contrast = self._indices(data_samples, v_s.shape[0], v_s.device)
        out_s = self._scores(v_s, self.memory_t, contrast)  # student anchors, teacher memory
        out_t = self._scores(v_t, self.memory_s, contrast)  # teacher anchors, student memory
        with torch.no_grad():
            for i, out in enumerate((out_s, out_t)):
                if self.z[i] < 0:
                    self.z[i] = global_mean(out.detach()) * self.num_samples
        loss = nce_contrast_loss(out_s / self.z[0], self.num_samples) + \
            nce_contrast_loss(out_t / self.z[1], self.num_samples)
        if self.training:
            with torch.no_grad():
                all_idx, _ = gather_batches(idx)
                momentum_update(self.memory_s, all_idx, gather_batches(v_s)[0], self.momentum)
                momentum_update(self.memory_t, all_idx, gather_batches(v_t)[0], self.momentum)
        return self.loss_weight * loss
