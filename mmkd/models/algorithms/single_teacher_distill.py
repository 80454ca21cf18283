"""Offline distillation from one frozen (or trainable, or EMA) teacher."""
from typing import Optional, Union

import torch.nn as nn

from mmkd.registry import MODELS
from ..teachers import Teacher
from ..teachers.teacher import policy_from_flags
from .base_teacher_distill import BaseTeacherDistill

# The config keyword of each field of the one teacher.
KEYWORDS = dict(model='model.teacher', ckpt='model.teacher_ckpt', policy='model.teacher_policy',
                data_preprocessor='model.teacher_data_preprocessor', lean='model.teacher_lean',
                norm_train='model.teacher_norm_train', norm_eval='model.teacher_norm_eval',
                ema_momentum='model.teacher_ema_momentum', cache='model.teacher_cache',
                early_exit='model.teacher_early_exit')


@MODELS.register_module()
class SingleTeacherDistill(BaseTeacherDistill):
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

    The ``teacher_*`` keywords are the fields of one :class:`~mmkd.models.teachers.Teacher`
    named ``'teacher'`` (``teacher_policy='cached'`` is implied by ``teacher_cache``);
    ``MultiTeacherDistill`` takes the same fields per teacher.
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
        policy = policy_from_flags(teacher_policy, teacher_trainable, teacher_cache,
                                   KEYWORDS.get)
        self.student_trainable = student_trainable
        self.calculate_student_loss = calculate_student_loss
        cfg = dict(model=teacher, ckpt=teacher_ckpt, policy=policy,
                   data_preprocessor=teacher_data_preprocessor, lean=teacher_lean,
                   norm_train=teacher_norm_train, norm_eval=teacher_norm_eval,
                   ema_momentum=teacher_ema_momentum, cache=teacher_cache,
                   early_exit=teacher_early_exit)
        self.add_teachers(dict(teacher=Teacher('teacher', cfg, KEYWORDS.get, 'teacher',
                                               'teacher_preprocessor')), distiller)

    @classmethod
    def models_in_config(cls, model_cfg: dict):
        policy = policy_from_flags(model_cfg.get('teacher_policy'),
                                   model_cfg.get('teacher_trainable', False),
                                   model_cfg.get('teacher_cache'), KEYWORDS.get)
        return dict(super().models_in_config(model_cfg), teacher=cls.model_entry(
            'model.teacher', model_cfg.get('teacher'), 'teacher.', policy,
            model_cfg.get('architecture'), 'model.teacher_ckpt'))

    @property
    def teacher_policy(self) -> str:
        return self.teachers_by_name()['teacher'].policy

    @property
    def teacher_cache(self):
        """The opened cache of a cached teacher (None for a live one)."""
        return self.teachers_by_name()['teacher'].cache
