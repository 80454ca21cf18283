"""Validation and test of the student, and optionally of the teacher, of a distillation algorithm."""
from typing import Dict, List, Sequence, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from mmkd.registry import LOOPS


class _TeacherEvaluation:
    """MMEngine's val/test loop over the student, then (on request) the teacher on the same data.

    The student's metrics keep their names, so ``save_best`` and the logs refer to the student;
    the teacher's are added with the prefix ``teacher/``.
    """

    phase = 'val'  # the hooks' and the model's step names: 'val' or 'test'

    def run(self) -> dict:
        hook = self.runner.call_hook
        hook(f'before_{self.phase}')
        hook(f'before_{self.phase}_epoch')
        self.runner.model.eval()
        step_losses = getattr(self, f'{self.phase}_loss')
        step_losses.clear()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if step_losses:
            metrics.update(_parse_losses(step_losses, self.phase))
        if self.evaluate_teacher:
            metrics.update(self._teacher_metrics())
        hook(f'after_{self.phase}_epoch', metrics=metrics)
        hook(f'after_{self.phase}')
        return metrics

    @torch.no_grad()
    def _teacher_metrics(self) -> dict:
        model = self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model
        if getattr(model, 'teacher', None) is None:
            raise TypeError(f'evaluate_teacher=True needs an algorithm with a teacher, '
                            f'got {type(model).__name__}')
        step = getattr(model, f'{self.phase}_step')
        with model.predict_with(model.teacher):
            for data_batch in self.dataloader:
                with autocast(enabled=self.fp16):
                    outputs: Sequence = step(data_batch)
                self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        teacher = self.evaluator.evaluate(len(self.dataloader.dataset))
        return {f'teacher/{k}': v for k, v in teacher.items()}


@LOOPS.register_module()
class DistillValLoop(_TeacherEvaluation, ValLoop):
    """MMEngine's ``ValLoop`` that can also evaluate the teacher.

    Use it with ``val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)``.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher = evaluate_teacher


@LOOPS.register_module()
class DistillTestLoop(_TeacherEvaluation, TestLoop):
    """MMEngine's ``TestLoop`` that can also evaluate the teacher
    (``tools/test.py --evaluate-teacher`` sets it)."""

    phase = 'test'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher = evaluate_teacher
