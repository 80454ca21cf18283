"""Validation of the student, and optionally of the teacher, of a distillation algorithm."""
from typing import Dict, List, Sequence, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop
from mmengine.runner.amp import autocast
from torch.utils.data import DataLoader

from mmkd.registry import LOOPS


@LOOPS.register_module()
class DistillValLoop(ValLoop):
    """MMEngine's ``ValLoop`` that can also evaluate the teacher.

    The student is evaluated as usual (its metrics keep their names, so ``save_best`` and the
    logs refer to the student). With ``evaluate_teacher=True`` the teacher is evaluated on the
    same data afterwards and its metrics are added with the prefix ``teacher/``.

    Use it with ``val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)``.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List], fp16: bool = False,
                 evaluate_teacher: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher = evaluate_teacher

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self.evaluate_teacher:
            metrics.update(self._teacher_metrics())
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics

    @torch.no_grad()
    def _teacher_metrics(self) -> dict:
        model = self.runner.model.module if is_model_wrapper(self.runner.model) else self.runner.model
        if not hasattr(model, 'teacher'):
            raise TypeError(f'evaluate_teacher=True needs an algorithm with a teacher, '
                            f'got {type(model).__name__}')
        with model.predict_with(model.teacher):
            for data_batch in self.dataloader:
                with autocast(enabled=self.fp16):
                    outputs: Sequence = model.val_step(data_batch)
                self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        teacher = self.evaluator.evaluate(len(self.dataloader.dataset))
        return {f'teacher/{k}': v for k, v in teacher.items()}

