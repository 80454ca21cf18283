r"""Partial teacher distributions that isolate what KD transfers (Tang et al., 2020).

"Understanding and Improving Knowledge Distillation" (arXiv:2002.03532) splits the teacher's
knowledge into three levels:

* *universe* knowledge: any soft target regularises like label smoothing (the control is
  mmpretrain's ``LabelSmoothLoss`` on the student head);
* *domain* knowledge: relations between classes, which the teacher's logit layer encodes in the
  geometry of its weight rows;
* *instance* knowledge: the teacher's confidence on the true class of each example. With KD the
  gradient on the student's target logit is :math:`(p^s_y - p^t_y)/\tau`, so examples the teacher
  finds hard (small :math:`p^t_y`) get a smaller push towards the label: a per-example rescaling
  of the gradient by difficulty.

Each loss here is :math:`\tau^2\,\mathrm{KL}(q \,\|\, \mathrm{softmax}(z_s/\tau))`, summed over
classes and averaged over the batch, against a synthetic target :math:`q` that keeps only some
of that knowledge (:math:`p^t = \mathrm{softmax}(z_t/\tau)`, :math:`y` the label, :math:`K`
classes):

* ``pt`` (instance only): :math:`q_y = p^t_y`, :math:`q_k = (1 - p^t_y)/(K-1)` for :math:`k \ne y`;
* ``sim`` (domain only): :math:`q = \mathrm{softmax}(\hat w_y^\top \hat W / \tau_{sim})`, from the
  L2-normalised rows :math:`\hat w_k` of the teacher's logit-layer weight; the same for every
  example of a class;
* ``pt+sim``: :math:`q_y = p^t_y`, and the rest :math:`1 - p^t_y` shared over :math:`k \ne y`
  in proportion to the ``sim`` distribution;
* ``topk``: the teacher's :math:`k` largest probabilities kept, the remaining mass spread
  uniformly over the other :math:`K - k` classes.
"""
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS
from ..teachers.needs import TeacherNeeds
from .checks import check_positive, check_same_shape
from .kl_divergence import soft_kl
from .logit_standardization import LogitLoss, standardize_logits


def pt_target(p_t: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
    """Teacher's true-class probability kept, the rest uniform over the other classes."""
    num_classes = p_t.size(1)
    p_y = p_t.gather(1, gt_labels[:, None])
    q = ((1 - p_y) / (num_classes - 1)).expand_as(p_t).clone()
    return q.scatter_(1, gt_labels[:, None], p_y)


def sim_target(weight_T: torch.Tensor, gt_labels: torch.Tensor, sim_tau: float) -> torch.Tensor:
    """``softmax(cos(w_y, w_k) / sim_tau)`` over classes k, from the teacher's (K, D) weight."""
    w = F.normalize(weight_T.detach(), dim=1)
    return F.softmax(w[gt_labels] @ w.t() / sim_tau, dim=1)


def pt_sim_target(p_t: torch.Tensor, weight_T: torch.Tensor, gt_labels: torch.Tensor,
                  sim_tau: float) -> torch.Tensor:
    """``pt``'s true-class probability; the rest shared in proportion to ``sim``."""
    sim = sim_target(weight_T, gt_labels, sim_tau).scatter(1, gt_labels[:, None], 0.0)
    p_y = p_t.gather(1, gt_labels[:, None])
    q = (1 - p_y) * sim / sim.sum(dim=1, keepdim=True)
    return q.scatter_(1, gt_labels[:, None], p_y)


def topk_target(p_t: torch.Tensor, k: int) -> torch.Tensor:
    """The teacher's top-k probabilities kept, the remaining mass uniform over the others."""
    num_classes = p_t.size(1)
    top, idx = p_t.topk(k, dim=1)
    # A confident teacher's top-k can sum to 1 + 2e-7 in float32: a negative rest would make
    # the KL's log NaN.
    rest = (1 - top.sum(dim=1, keepdim=True)).clamp_min(0) / (num_classes - k)
    q = rest.expand_as(p_t).clone()
    return q.scatter_(1, idx, top)


def kd_to_target(preds_S: torch.Tensor, q: torch.Tensor, tau: float) -> torch.Tensor:
    r""":math:`\tau^2\,\mathrm{KL}(q \,\|\, \mathrm{softmax}(z_s/\tau))`, batch mean."""
    return soft_kl(F.log_softmax(preds_S / tau, dim=1), q, tau)


class _PartialKD(LogitLoss):
    # Every partial-KD loss takes ``logit_stand`` (z-score both sides' logits first; for
    # KD-sim the student's only, its teacher side being a weight matrix).

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0,
                 logit_stand: bool = False) -> None:
        super().__init__(loss_weight, logit_stand=logit_stand)
        check_positive('tau', tau, type(self).__name__)
        self.tau = tau

    def _check_classes(self, preds_S: torch.Tensor, minimum: int = 2) -> None:
        if preds_S.dim() != 2 or preds_S.size(1) < minimum:
            raise ValueError(f'{type(self).__name__} needs (B, K) logits with K >= {minimum}, '
                             f'got {tuple(preds_S.shape)}')


@MODELS.register_module()
class KDPartialPT(_PartialKD):
    """KD-pt of Tang et al. (2020): instance knowledge only. See :mod:`partial_kd`.

    Args:
        tau (float): temperature of both softmaxes. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        logit_stand (bool): z-score the logits first (logit standardisation). Defaults to False.
    """

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits; gt_labels: (B,)."""
        check_same_shape(preds_S, preds_T, 'KDPartialPT')
        self._check_classes(preds_S)
        preds_S, preds_T = self.logits(preds_S, preds_T)
        q = pt_target(F.softmax(preds_T / self.tau, dim=1), gt_labels)
        return self.loss_weight * kd_to_target(preds_S, q, self.tau)


@MODELS.register_module()
class KDPartialSim(_PartialKD):
    """KD-sim of Tang et al. (2020): domain knowledge only. See :mod:`partial_kd`.

    ``preds_T`` is the teacher's logit-layer weight (K, D): record it with
    ``dict(type='Parameter', source='head.fc.weight')``.

    Args:
        tau (float): temperature of the student's softmax. Defaults to 1.0.
        sim_tau (float): temperature of the class-similarity softmax. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        logit_stand (bool): z-score the logits first (logit standardisation). Defaults to False.
    """

    def __init__(self, tau: float = 1.0, sim_tau: float = 1.0, loss_weight: float = 1.0,
                 logit_stand: bool = False) -> None:
        super().__init__(tau, loss_weight, logit_stand)
        check_positive('sim_tau', sim_tau, 'KDPartialSim')
        self.sim_tau = sim_tau

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: torch.Tensor) -> torch.Tensor:
        """preds_S: (B, K) logits; preds_T: teacher weight (K, D); gt_labels: (B,)."""
        self._check_classes(preds_S)
        if preds_T.dim() != 2 or preds_T.size(0) != preds_S.size(1):
            raise ValueError(
                f'KDPartialSim needs preds_T to be the teacher\'s (K, D) logit-layer weight with '
                f'K = {preds_S.size(1)} rows (a Parameter recorder on e.g. head.fc.weight), got '
                f'{tuple(preds_T.shape)}')
        q = sim_target(preds_T, gt_labels, self.sim_tau)
        if self.logit_stand:
            preds_S = standardize_logits(preds_S)
        return self.loss_weight * kd_to_target(preds_S, q, self.tau)


@MODELS.register_module()
class KDPartialPTSim(KDPartialSim):
    """KD-pt+sim of Tang et al. (2020): instance and domain knowledge. See :mod:`partial_kd`.

    ``preds_T`` are the teacher's logits and ``weight_T`` its logit-layer weight (K, D).
    """

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor, gt_labels: torch.Tensor,
                weight_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits; gt_labels: (B,); weight_T: (K, D)."""
        check_same_shape(preds_S, preds_T, 'KDPartialPTSim')
        self._check_classes(preds_S, minimum=3)
        if weight_T.dim() != 2 or weight_T.size(0) != preds_S.size(1):
            raise ValueError(f'KDPartialPTSim.weight_T must be (K={preds_S.size(1)}, D), got '
                             f'{tuple(weight_T.shape)}')
        preds_S, preds_T = self.logits(preds_S, preds_T)
        p_t = F.softmax(preds_T / self.tau, dim=1)
        q = pt_sim_target(p_t, weight_T, gt_labels, self.sim_tau)
        return self.loss_weight * kd_to_target(preds_S, q, self.tau)


@MODELS.register_module()
class KDPartialTopK(_PartialKD):
    """KD-topk of Tang et al. (2020): only the teacher's k most likely classes. See
    :mod:`partial_kd`.

    Args:
        k (int): number of teacher probabilities kept, 1 <= k < K. Defaults to 1.
        tau (float): temperature of both softmaxes. Defaults to 1.0.
        loss_weight (float): multiplies the loss. Defaults to 1.0.
        logit_stand (bool): z-score the logits first (logit standardisation). Defaults to False.
    """

    @property
    def topk_needs(self) -> TeacherNeeds:
        # It reads only the teacher's k most likely classes, which a top-k cache keeps
        # exactly when its k is at least this one (checked when the cache is opened).
        return TeacherNeeds(topk=self.k)

    def __init__(self, k: int = 1, tau: float = 1.0, loss_weight: float = 1.0,
                 logit_stand: bool = False) -> None:
        super().__init__(tau, loss_weight, logit_stand)
        if not isinstance(k, int) or k < 1:
            raise ValueError(f'KDPartialTopK.k must be an int >= 1, got {k!r}')
        self.k = k

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """preds_S, preds_T: (B, K) logits with K > k."""
        check_same_shape(preds_S, preds_T, 'KDPartialTopK')
        self._check_classes(preds_S, minimum=self.k + 1)
        preds_S, preds_T = self.logits(preds_S, preds_T)
        q = topk_target(F.softmax(preds_T / self.tau, dim=1), self.k)
        return self.loss_weight * kd_to_target(preds_S, q, self.tau)
