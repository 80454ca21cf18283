"""Probabilistic knowledge transfer (Passalis & Tefas, ECCV 2018)."""
import torch
import torch.nn as nn

from mmkd.registry import MODELS

EPS = 1e-7


def cosine_probabilities(f: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """Row-normalised probabilities from the cosine similarities of the rows of ``f`` (B, D),
    each mapped to [0, 1] by (cos + 1) / 2; zero vectors count as orthogonal to all."""
    f = f.flatten(1)
    f = f / (f.norm(dim=1, keepdim=True) + eps)
    f = torch.nan_to_num(f, nan=0.0)
    sim = (f @ f.t() + 1.0) / 2.0
    return sim / sim.sum(dim=1, keepdim=True)


def pkt_loss(f_s: torch.Tensor, f_t: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    r"""KL between the teacher's and the student's cosine-similarity distributions:
    :math:`\frac{1}{B^2}\sum_{ij} p^t_{ij} \log\frac{p^t_{ij} + \epsilon}{p^s_{ij} + \epsilon}`
    (the mean over all B x B entries, as the authors' code). Embedding sizes may differ."""
    p_s = cosine_probabilities(f_s, eps)
    with torch.no_grad():
        p_t = cosine_probabilities(f_t, eps)
    return (p_t * torch.log((p_t + eps) / (p_s + eps))).mean()


@MODELS.register_module()
class PKTLoss(nn.Module):
    """Probabilistic knowledge transfer: "Learning Deep Representations with Probabilistic
    Knowledge Transfer", Passalis & Tefas, ECCV 2018. See :func:`pkt_loss`; values equal
    RepDistiller's ``PKT`` (the authors' code), whose CIFAR weight 30000 on the pooled
    features is ``loss_weight``.

    Args:
        loss_weight (float): multiplies the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        return self.loss_weight * pkt_loss(preds_S, preds_T)
