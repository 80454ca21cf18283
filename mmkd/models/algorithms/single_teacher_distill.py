"""Offline distillation from one frozen (or trainable, or EMA) teacher."""
import copy
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..distillers import ConfigurableDistiller
from ..utils.model_builder import (build_data_preprocessor, build_model,
                                   check_preprocessor_classes)
from .base_algorithm import BaseAlgorithm, add_prefix
from .ema_teacher import EMATeacherMixin
from .cached_teacher import open_teacher_cache
from .frozen_teacher import (check_lean_options, exclude_from_checkpoints, ignore_loaded_entries,
                             load_teacher_checkpoint, make_lean, run_lean, set_norm_layers_eval,
                             set_norm_layers_train)

TEACHER_POLICIES = ('frozen', 'trainable', 'ema')


@MODELS.register_module()
class SingleTeacherDistill(EMATeacherMixin, BaseAlgorithm):
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
        teacher_policy (str, optional): ``'frozen'`` (loaded from ``teacher_ckpt``, not
            saved), ``'trainable'`` (trained with its own loss, saved; the same as
            ``teacher_trainable=True``) or ``'ema'`` (a mean teacher: the exponential moving
            average of the student, updated after every training step by ``EMATeacherHook``,
            saved in checkpoints, no checkpoint needed). Default: from ``teacher_trainable``.
        teacher_data_preprocessor (dict, optional): a ``ClsDataPreprocessor`` config for a
            teacher trained with another normalisation than the student: the batch is
            re-normalised for it (exactly, also for mixed batches). Defaults to None.
        teacher_lean (dict, optional): options that make a frozen teacher cheaper:
            ``channels_last=True`` (weights and inputs in channels-last memory format) and
            ``autocast='bf16'`` or ``'fp16'`` (its pass only, under ``torch.autocast``; its
            records are cast back to float32) and ``compile=True`` (or a dict of
            ``torch.compile`` arguments; the first steps then pay the compilation). Their
            effect on the logits and the time is measured in ``benchmarks/lean_teacher.py``.
            Defaults to None (none of them).
        teacher_cache (dict, optional): read the teacher's logits from a teacher-output cache
            instead of running the teacher: ``dict(dir=..., topk=k)`` (FKD's top-k form) or
            ``dict(dir=..., full_logits=True)``, optionally ``dtype`` (``'float16'``,
            default, or ``'float32'``, of what is stored), ``recorder`` (the teacher recorder
            the cache serves, default ``'logits'``), ``verify_inputs`` (default True). The
            teacher is then neither built nor loaded, and ``teacher_ckpt`` need not exist
            (the cache keeps the hash of the checkpoint it was built from; a file there that
            differs is reported with a warning); the training set must be a
            ``ReplayableDataset`` with ``ReplayAugmentationHook``, and only that recorder may
            be read. Build the cache with ``mmkd-build-teacher-cache`` on the same config.
            See ``docs/teacher_cache.md``. Defaults to None (live teacher).
        teacher_ema_momentum (float): the EMA teacher's momentum m in
            θ_t <- m·θ_t + (1 - m)·θ_s (the weight of the old teacher; buffers such as BN
            statistics are copied from the student). Defaults to 0.999.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.

    An EMA teacher (``teacher=None`` gives a copy of the student's architecture) starts as a
    copy of the student when training starts, unless ``teacher_ckpt`` gives its weights.
    """

    def __init__(self, distiller: dict, teacher: Union[dict, nn.Module],
                 teacher_ckpt: Optional[str] = None, teacher_trainable: bool = False,
                 teacher_norm_eval: bool = True, student_trainable: bool = True,
                 calculate_student_loss: bool = True, teacher_early_exit: bool = True,
                 teacher_norm_train: bool = False, teacher_policy: Optional[str] = None,
                 teacher_ema_momentum: float = 0.999,
                 teacher_data_preprocessor: Optional[dict] = None,
                 teacher_lean: Optional[dict] = None, teacher_cache: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        policy = teacher_policy or ('trainable' if teacher_trainable else 'frozen')
        if policy not in TEACHER_POLICIES:
            raise KDConfigError(f'model.teacher_policy={teacher_policy!r} is not valid; choose '
                                f'one of {list(TEACHER_POLICIES)}')
        if teacher_trainable and policy != 'trainable':
            raise KDConfigError(f'model.teacher_trainable=True contradicts '
                                f'model.teacher_policy={policy!r}')
        if not 0.0 <= teacher_ema_momentum < 1.0:
            raise KDConfigError('model.teacher_ema_momentum must be in [0, 1), got '
                                f'{teacher_ema_momentum!r}')
        teacher_trainable = policy == 'trainable'
        if teacher_norm_train and teacher_trainable:
            raise KDConfigError('model.teacher_norm_train is for a frozen teacher; a trainable '
                                'teacher\'s norm layers follow model.teacher_norm_eval')
        self.teacher_policy, self.teacher_ema_momentum = policy, teacher_ema_momentum
        self.teacher_lean = check_lean_options(teacher_lean, 'model.teacher_lean', policy)
        self.teacher_norm_train = teacher_norm_train
        self.teacher_trainable = teacher_trainable
        self.teacher_norm_eval = teacher_norm_eval
        self.student_trainable = student_trainable
        self.calculate_student_loss = calculate_student_loss
        if policy == 'ema':
            self.init_ema_state(loaded=['teacher'] if teacher_ckpt is not None else [])
        self.teacher_cache = None
        if self.student_only or teacher_cache is not None:
            # Test and inference, or targets from a cache: the teacher is neither built nor
            # loaded.
            self.teacher = None
            self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
            ignore_loaded_entries(self, 'teacher', 'teacher_preprocessor')
            self.teacher_preprocessor = None
            if not self.student_only:
                self.teacher_cache = open_teacher_cache(
                    self, teacher_cache, teacher, teacher_ckpt, teacher_data_preprocessor)
            return
        if teacher is None and policy == 'ema':
            self.teacher = copy.deepcopy(self.student)
        else:
            self.teacher = build_model(teacher, 'model.teacher')
        if teacher_ckpt is not None:
            load_teacher_checkpoint(self.teacher, teacher_ckpt, 'model.teacher_ckpt')
        elif policy == 'frozen':
            raise KDConfigError(
                'model.teacher_ckpt is required: a frozen teacher with random weights would '
                'distil noise. Give the path of a trained teacher checkpoint, or set '
                "teacher_policy='trainable' (online distillation) or 'ema' (a mean teacher).")
        if not teacher_trainable:
            self.teacher.requires_grad_(False)
        make_lean(self.teacher, self.teacher_lean)
        self.teacher_preprocessor = None if teacher_data_preprocessor is None else \
            build_data_preprocessor(teacher_data_preprocessor, 'model.teacher_data_preprocessor')
        check_preprocessor_classes(self.teacher, self.teacher_preprocessor, 'model.teacher',
                                   'model.teacher_data_preprocessor')
        if not student_trainable:
            self.student.requires_grad_(False)

        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        self.distiller.prepare_from_teacher(self.teacher)
        self.distiller.set_early_exit('teacher', teacher_early_exit and not teacher_trainable)

        if policy == 'frozen':
            exclude_from_checkpoints(self, 'teacher', keep_norm_stats=teacher_norm_train)

    def ema_teachers(self):
        return dict(teacher=(self.teacher, self.teacher_ema_momentum)) \
            if self.teacher_policy == 'ema' and self.teacher is not None else {}

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        self.check_ema_updates()
        losses = {}
        teacher_inputs = self.model_inputs('teacher', inputs)
        if self.teacher_cache is not None:
            self.teacher_cache.record(self.distiller, data_samples, inputs.device)
        elif self.teacher_trainable:
            teacher_losses = self.distiller.record(
                'teacher', lambda: self.teacher(teacher_inputs, data_samples, mode='loss'),
                grad=True, required=True)
            losses.update(add_prefix(teacher_losses, 'teacher'))
        else:
            self.record_frozen_teacher(teacher_inputs, data_samples)
        return self.student_and_distill_losses(inputs, data_samples, losses)

    def record_frozen_teacher(self, teacher_inputs: torch.Tensor, data_samples) -> None:
        """Run the frozen teacher inside its recorders (with the lean options); also what the
        teacher-cache builder runs."""
        self.distiller.record('teacher', lambda: run_lean(
            self.teacher_lean, teacher_inputs,
            lambda x: self.teacher(x, data_samples, mode='tensor'),
            self.distiller.sources['teacher']))

    def named_models(self) -> Dict[str, nn.Module]:
        return {} if self.teacher is None else dict(teacher=self.teacher)

    def model_inputs(self, name: str, inputs: torch.Tensor) -> torch.Tensor:
        if name != 'teacher':
            return inputs
        return self.inputs_for(inputs, self.teacher_preprocessor,
                               'model.teacher_data_preprocessor')

    def train(self, mode: bool = True) -> 'SingleTeacherDistill':
        super().train(mode)
        if self.teacher is None:
            return self
        if not self.teacher_trainable:
            self.teacher.eval()
            if mode and self.teacher_norm_train:
                set_norm_layers_train(self.teacher)
        elif mode and self.teacher_norm_eval:
            set_norm_layers_eval(self.teacher)
        return self
