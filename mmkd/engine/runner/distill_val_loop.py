"""Validation and test of the student, and on request of the other models, of an algorithm."""
import contextlib
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from mmkd.registry import LOOPS
from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.dist_utils import unwrap_model


class _TeacherEvaluation:
    """MMEngine's val/test loop over the student, then (on request) other models of the
    algorithm (each teacher, peer or exit it exposes by name) on the same data.

    The student's metrics keep their names, so ``save_best`` and the logs refer to the student;
    another model's are added with its name as prefix (``teacher/accuracy/top1``,
    ``t1/...``). ``evaluate_teacher=True`` is shorthand for every model the algorithm
    exposes; ``models=[...]`` names them.
    """

    phase = 'val'  # the hooks' and the model's step names: 'val' or 'test'

    def run(self) -> dict:
        hook = self.runner.call_hook
        hook(f'before_{self.phase}')
        hook(f'before_{self.phase}_epoch')
        self.runner.model.eval()
        step_losses = getattr(self, f'{self.phase}_loss')
        step_losses.clear()
        with self._comparisons():
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if step_losses:
            metrics.update(_parse_losses(step_losses, self.phase))
        if self.evaluate_teacher or self.models:
            metrics.update(self._teacher_metrics())
        hook(f'after_{self.phase}_epoch', metrics=metrics)
        hook(f'after_{self.phase}')
        return metrics

    def _comparisons(self):
        """Attach the predictions of the models that metrics compare the student with
        (:class:`~mmkd.evaluation.ModelComparisonMetric`) to the student's."""
        from mmkd.evaluation import ModelComparisonMetric
        names = sorted({name for metric in self.evaluator.metrics
                        if isinstance(metric, ModelComparisonMetric)
                        for name in metric.compared_models})
        if not names:
            return contextlib.nullcontext()
        model = unwrap_model(self.runner.model)
        if not hasattr(model, 'compared_with'):
            raise KDConfigError(f'{self.phase}_evaluator compares the student with {names}, '
                                f'but {type(model).__name__} is not a distillation algorithm')
        return model.compared_with(names)

    def _names(self, model, exposed: Dict) -> List[str]:
        names = list(self.models) if self.models else (list(exposed) if self.evaluate_teacher
                                                        else [])
        if self.evaluate_teacher and not exposed:
            raise TypeError(f'evaluate_teacher=True needs an algorithm with a teacher, '
                            f'got {type(model).__name__}')
        for name in names:
            if name not in exposed:
                raise KDConfigError(
                    f'{type(self).__name__}.models: {type(model).__name__} has no model '
                    f'{name!r} to evaluate. ' + suggest(name, exposed))
        return names

    @torch.no_grad()
    def _teacher_metrics(self) -> dict:
        from mmkd.evaluation import ModelComparisonMetric
        model = unwrap_model(self.runner.model)
        metrics = {}
        step = getattr(model, f'{self.phase}_step')
        exposed = model.named_models() if hasattr(model, 'named_models') else {}
        names = self._names(model, exposed)
        if not names:
            return metrics
        # metrics comparing the student with a model say nothing about the other models
        every = self.evaluator.metrics
        self.evaluator.metrics = [m for m in every if not isinstance(m, ModelComparisonMetric)]
        try:
            self._evaluate_models(model, step, exposed, names, metrics)
        finally:
            self.evaluator.metrics = every
        return metrics

    def _evaluate_models(self, model, step, exposed, names, metrics) -> None:
        for name in names:
            with model.predict_with(name):
                for data_batch in self.dataloader:
                    with autocast(enabled=self.fp16):
                        outputs: Sequence = step(data_batch)
                    self.evaluator.process(data_samples=outputs, data_batch=data_batch)
            result = self.evaluator.evaluate(len(self.dataloader.dataset))
            metrics.update({f'{name}/{k}': v for k, v in result.items()})


@LOOPS.register_module()
class DistillValLoop(_TeacherEvaluation, ValLoop):
    """MMEngine's ``ValLoop`` that can also evaluate the algorithm's other models.

    Use it with ``val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)`` (every
    teacher) or ``models=['t1']`` (the named ones). It is also the loop that gives metrics
    comparing the student with a teacher (``TeacherStudentAgreement``) that teacher's
    predictions.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False, models: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher, self.models = evaluate_teacher, list(models or [])


@LOOPS.register_module()
class DistillTestLoop(_TeacherEvaluation, TestLoop):
    """MMEngine's ``TestLoop`` that can also evaluate the teacher
    (``tools/test.py --evaluate-teacher`` sets it)."""

    phase = 'test'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False, models: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher, self.models = evaluate_teacher, list(models or [])
