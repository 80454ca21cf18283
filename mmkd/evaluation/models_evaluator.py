"""An evaluator that, after the student's metrics, evaluates other models of the algorithm."""
from typing import Dict, List, Sequence

import torch
from mmengine.evaluator import Evaluator
from mmengine.runner.amp import autocast

from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.dist_utils import unwrap_model
from .metrics import ModelComparisonMetric


class ModelsEvaluator(Evaluator):
    """MMEngine's ``Evaluator`` of a val/test loop's metrics, which then also evaluates the
    named models of the algorithm (teachers, peers, exits: ``named_models()``) on the loop's
    data, with the same metrics.

    The student's metrics keep their names, so ``save_best`` and the logs refer to the
    student; another model's are added with its name as prefix (``teacher/accuracy/top1``).
    Metrics comparing the student with a model (:class:`ModelComparisonMetric`) are left out
    for the other models, whose comparison with themselves would say nothing.

    The loop runs as MMEngine wrote it: it asks this evaluator for the metrics once the
    student's batches are processed, and this evaluator runs the other models then.

    Args:
        evaluator (Evaluator): the loop's evaluator (its metrics are taken over).
        loop: the val or test loop: its runner, dataloader, ``fp16``, ``step`` (the model's
            step method, ``'val_step'`` or ``'test_step'``) and ``evaluated_models()`` (the
            models to evaluate, or ``'all'`` for every model the algorithm names).
    """

    def __init__(self, evaluator: Evaluator, loop) -> None:
        super().__init__(evaluator.metrics)
        self.dataset_meta = evaluator.dataset_meta
        self.loop = loop

    def evaluate(self, size: int) -> dict:
        metrics = super().evaluate(size)
        metrics.update(self.other_models_metrics(size))
        return metrics

    def _names(self, model, exposed: Dict, models) -> List[str]:
        if models == 'all':
            if not exposed:
                raise KDConfigError(
                    f'{type(self.loop).__name__}: evaluate_teacher=True (or models="all") '
                    f'needs an algorithm with other models than the student; '
                    f'{type(model).__name__} has none here')
            return list(exposed)
        for name in models:
            if name not in exposed:
                raise KDConfigError(
                    f'{type(self.loop).__name__}.models: {type(model).__name__} has no model '
                    f'{name!r} to evaluate. ' + suggest(name, exposed))
        return list(models)

    @torch.no_grad()
    def other_models_metrics(self, size: int) -> dict:
        from mmkd.models.algorithms import BaseAlgorithm
        models = self.loop.evaluated_models()
        if not models:
            return {}
        model = unwrap_model(self.loop.runner.model)
        exposed = model.named_models() if isinstance(model, BaseAlgorithm) else {}
        names = self._names(model, exposed, models)
        every = self.metrics
        self.metrics = [m for m in every if not isinstance(m, ModelComparisonMetric)]
        metrics = {}
        try:
            for name in names:
                metrics.update({f'{name}/{k}': v
                                for k, v in self._evaluate(model, name, size).items()})
        finally:
            self.metrics = every
        return metrics

    def _evaluate(self, model, name: str, size: int) -> dict:
        step = getattr(model, self.loop.step)
        with model.predict_with(name):
            for data_batch in self.loop.dataloader:
                with autocast(enabled=self.loop.fp16):
                    outputs: Sequence = step(data_batch)
                self.process(data_samples=outputs, data_batch=data_batch)
        return super().evaluate(size)
