"""Validation and test of the student, and on request of the other models, of an algorithm."""
import contextlib
from typing import Dict, List, Optional, Sequence, Union

from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop, ValLoop
from torch.utils.data import DataLoader

from mmkd.registry import LOOPS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.dist_utils import unwrap_model


class _OtherModelsEvaluation:
    """MMEngine's val/test loop, run unchanged, with two additions through its own extension
    points: its evaluator is a :class:`~mmkd.evaluation.ModelsEvaluator`, which after the
    student's metrics evaluates the named models of the algorithm (each teacher, peer or
    exit), and while it runs the student's predictions carry those of the models that
    metrics compare the student with.

    ``evaluate_teacher=True`` is shorthand for every model the algorithm names (teachers,
    peers, exits); ``models=[...]`` names them.
    """

    step = 'val_step'

    def _use_models_evaluator(self, evaluate_teacher: bool,
                              models: Optional[Sequence[str]]) -> None:
        from mmkd.evaluation.models_evaluator import ModelsEvaluator
        if isinstance(models, str) and models != 'all':
            raise KDConfigError(f'{type(self).__name__}.models must be a list of model names '
                                f'or "all", got {models!r}')
        self.evaluate_teacher = evaluate_teacher
        self.models = models if isinstance(models, str) else list(models or [])
        self.evaluator = ModelsEvaluator(self.evaluator, self)

    def evaluated_models(self):
        """The models evaluated beside the student: names, or ``'all'``."""
        return self.models or ('all' if self.evaluate_teacher else [])

    def run(self) -> dict:
        with self._comparisons():
            return super().run()

    def _comparisons(self):
        """Attach the predictions of the models that metrics compare the student with
        (:class:`~mmkd.evaluation.ModelComparisonMetric`) to the student's."""
        from mmkd.evaluation import ModelComparisonMetric
        from mmkd.models.algorithms import BaseAlgorithm
        names = sorted({name for metric in self.evaluator.metrics
                        if isinstance(metric, ModelComparisonMetric)
                        for name in metric.compared_models})
        if not names:
            return contextlib.nullcontext()
        model = unwrap_model(self.runner.model)
        if not isinstance(model, BaseAlgorithm):
            raise KDConfigError(f'{self.step[:-5]}_evaluator compares the student with '
                                f'{names}, but {type(model).__name__} is not a distillation '
                                'algorithm')
        return model.compared_with(names)


@LOOPS.register_module()
class DistillValLoop(_OtherModelsEvaluation, ValLoop):
    """MMEngine's ``ValLoop`` that can also evaluate the algorithm's other models.

    Use it with ``val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)`` (every
    teacher, peer or exit) or ``models=['t1']`` (the named ones). It is also the loop that
    gives metrics comparing the student with a teacher (``TeacherStudentAgreement``) that
    teacher's predictions.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False, models: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._use_models_evaluator(evaluate_teacher, models)


@LOOPS.register_module()
class DistillTestLoop(_OtherModelsEvaluation, TestLoop):
    """MMEngine's ``TestLoop`` that can also evaluate the teacher
    (``tools/test.py --evaluate-teacher`` sets it)."""

    step = 'test_step'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False, models: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._use_models_evaluator(evaluate_teacher, models)
