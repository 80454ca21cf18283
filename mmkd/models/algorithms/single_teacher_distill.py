"""Offline distillation from one frozen (or trainable) teacher."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..distillers import ConfigurableDistiller
from ..utils.model_builder import build_model
from .base_algorithm import BaseAlgorithm, add_prefix
from .frozen_teacher import (exclude_from_checkpoints, ignore_loaded_entries,
                             load_teacher_checkpoint)


@MODELS.register_module()
class SingleTeacherDistill(BaseAlgorithm):
    """Train a student with distillation losses from one teacher (offline KD).

    Each training step runs the teacher inside its recorders (under ``no_grad`` and in eval
    mode when frozen; in ``'tensor'`` mode, so no teacher task loss; stopped as soon as every
    teacher record is taken), then the student inside its recorders (with its own task loss
    when ``calculate_student_loss``), then the distiller's losses. Losses are logged as
    ``student.<name>``, ``distill.<name>`` (and ``teacher.<name>`` for a trainable teacher).

    A frozen teacher is not saved in checkpoints: it is rebuilt from ``teacher_ckpt``, so a
    checkpoint holds the student, the connectors and any loss state.

    Args:
        distiller (dict): the ``ConfigurableDistiller`` config.
        teacher (dict | nn.Module): teacher model config (or ``cfg_path``) or module.
        teacher_ckpt (str, optional): local checkpoint of the teacher; required unless the
            teacher is trainable.
        teacher_trainable (bool): train the teacher too (its own loss is added). Default False.
        teacher_norm_eval (bool): keep the teacher's norm layers in eval mode while training a
            trainable teacher. Defaults to True.
        student_trainable (bool): train the student. Defaults to True.
        calculate_student_loss (bool): add the student's own task loss. Defaults to True.
        teacher_early_exit (bool): stop a frozen teacher's forward once every teacher record is
            taken. Defaults to True; turn off for a teacher whose call count varies per batch.
        teacher_norm_train (bool): run a frozen teacher's norm layers in train mode: they
            normalise with the batch's statistics (and update their running statistics, which
            are then saved in checkpoints), as mdistiller's OFD keeps its teacher in train
            mode. Defaults to False (eval mode, the usual choice).
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    def __init__(self, distiller: dict, teacher: Union[dict, nn.Module],
                 teacher_ckpt: Optional[str] = None, teacher_trainable: bool = False,
                 teacher_norm_eval: bool = True, student_trainable: bool = True,
                 calculate_student_loss: bool = True, teacher_early_exit: bool = True,
                 teacher_norm_train: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if teacher_norm_train and teacher_trainable:
            raise KDConfigError('model.teacher_norm_train is for a frozen teacher; a trainable '
                                'teacher\'s norm layers follow model.teacher_norm_eval')
        self.teacher_norm_train = teacher_norm_train
        self.teacher_trainable = teacher_trainable
        self.teacher_norm_eval = teacher_norm_eval
        self.student_trainable = student_trainable
        self.calculate_student_loss = calculate_student_loss
        if self.student_only:
            # Test and inference: the teacher is neither built nor loaded.
            self.teacher = None
            self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
            ignore_loaded_entries(self, 'teacher')
            return
        self.teacher = build_model(teacher, 'model.teacher')
        if teacher_ckpt is not None:
            load_teacher_checkpoint(self.teacher, teacher_ckpt, 'model.teacher_ckpt')
        elif not teacher_trainable:
            raise KDConfigError(
                'model.teacher_ckpt is required: a frozen teacher with random weights would '
                'distil noise. Give the path of a trained teacher checkpoint, or set '
                'teacher_trainable=True for online distillation.')
        if not teacher_trainable:
            self.teacher.requires_grad_(False)
        if not student_trainable:
            self.student.requires_grad_(False)

        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        self.distiller.prepare_from_teacher(self.teacher)
        self.distiller.set_early_exit('teacher', teacher_early_exit and not teacher_trainable)

        if not teacher_trainable:
            exclude_from_checkpoints(self, 'teacher', keep_norm_stats=teacher_norm_train)

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        losses = {}
        if self.teacher_trainable:
            teacher_losses = self.distiller.record(
                'teacher', lambda: self.teacher(inputs, data_samples, mode='loss'), grad=True,
                required=True)
            losses.update(add_prefix(teacher_losses, 'teacher'))
        else:
            self.distiller.record('teacher', lambda: self.teacher(inputs, data_samples,
                                                                  mode='tensor'))

        return self.student_and_distill_losses(inputs, data_samples, losses)

    def named_models(self) -> Dict[str, nn.Module]:
        return {} if self.teacher is None else dict(teacher=self.teacher)

    def train(self, mode: bool = True) -> 'SingleTeacherDistill':
        super().train(mode)
        if self.teacher is None:
            return self
        if not self.teacher_trainable:
            self.teacher.eval()
            if mode and self.teacher_norm_train:
                for m in self.teacher.modules():
                    if isinstance(m, _BatchNorm):
                        m.train()
        elif mode and self.teacher_norm_eval:
            for m in self.teacher.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
