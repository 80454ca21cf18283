"""How faithful the student is to its teacher: top-1 agreement and predictive KL."""
from typing import Dict, List, Sequence

import torch

from mmkd.registry import METRICS
from .model_comparison import ModelComparisonMetric


def top1_agreement(p_s: torch.Tensor, p_t: torch.Tensor) -> torch.Tensor:
    """Per sample, 1.0 where the student's and the teacher's most probable classes agree."""
    return (p_s.argmax(-1) == p_t.argmax(-1)).float()


def predictive_kl(p_t: torch.Tensor, p_s: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    r"""Per sample, :math:`\mathrm{KL}(p_t \,\|\, p_s) = \sum_c p_{t,c}
    (\log p_{t,c} - \log p_{s,c})` in nats, from probabilities (terms with
    :math:`p_{t,c} = 0` count 0; probabilities are clamped at ``eps`` in the logarithms)."""
    p_t, p_s = p_t.double(), p_s.double()
    terms = p_t * (p_t.clamp_min(eps).log() - p_s.clamp_min(eps).log())
    return torch.where(p_t > 0, terms, torch.zeros_like(terms)).sum(-1)


@METRICS.register_module()
class TeacherStudentAgreement(ModelComparisonMetric):
    r"""Fidelity of the student to a teacher on the evaluation set (Stanton et al.,
    NeurIPS 2021, "Does Knowledge Distillation Really Work?"): how often their top-1 classes
    agree, and the mean predictive KL divergence from the teacher's to the student's class
    distribution at temperature 1,

    .. math::
        \text{top1} = \frac{100}{N} \sum_i [\arg\max p_t(x_i) = \arg\max p_s(x_i)], \qquad
        \text{kl} = \frac{1}{N} \sum_i \mathrm{KL}(p_t(x_i) \,\|\, p_s(x_i)).

    Accuracy says how good the student is; this says how much of the teacher's function it
    learned (the paper finds students that gain accuracy while agreeing poorly). The
    student's probabilities are mmpretrain's ``pred_score``; the teacher's, the softmax of its
    logits on its own normalisation of the batch.

    Use it beside the accuracy, with mmkd's validation loop::

        val_evaluator = [dict(type='mmpretrain.Accuracy', topk=(1, )),
                         dict(type='mmkd.TeacherStudentAgreement')]
        val_cfg = dict(type='mmkd.DistillValLoop')

    Metrics: ``agreement/top1`` (%) and ``agreement/kl`` (nats); with another model than
    ``'teacher'``, ``agreement_<name>/...``.

    Args:
        models (Sequence[str] | str): the model to compare with, by its name in the algorithm.
            Defaults to ``'teacher'``. One model per metric.
        collect_device, prefix: see MMEngine's ``BaseMetric``.
    """

    default_prefix = 'agreement'

    def __init__(self, models='teacher', collect_device: str = 'cpu', prefix=None) -> None:
        names = [models] if isinstance(models, str) else list(models)
        if len(names) != 1:
            from mmkd.utils.config_errors import KDConfigError
            raise KDConfigError('TeacherStudentAgreement.models names one model; use one '
                                f'metric per model, got {names}')
        self.model = names[0]
        if prefix is None and self.model != 'teacher':
            prefix = f'agreement_{self.model}'
        super().__init__(models=names, collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            p_t = self.scores_of(sample, self.model).float().cpu()
            p_s = sample['pred_score'].float().cpu()
            self.results.append(dict(agree=float(top1_agreement(p_s, p_t)),
                                     kl=float(predictive_kl(p_t, p_s))))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        n = max(len(results), 1)
        return dict(top1=100.0 * sum(r['agree'] for r in results) / n,
                    kl=sum(r['kl'] for r in results) / n)
