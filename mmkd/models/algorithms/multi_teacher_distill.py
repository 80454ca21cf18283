"""Distillation from several teachers: frozen (offline), trained together with the student, or
its moving average."""
from typing import Dict, List

import torch

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from .base_teacher_distill import BaseTeacherDistill

POLICIES = ('frozen', 'trainable', 'ema')
SELECTIONS = ('all', 'random')


@MODELS.register_module()
class MultiTeacherDistill(BaseTeacherDistill):
    """Train a student from several teachers (multi-teacher KD, Gou et al. 2021 survey).

    Each step runs either every teacher (``teacher_selection='all'``; losses such as
    ``MultiTeacherKLDivergence`` then combine them, e.g. a weighted average of their soft
    targets) or one teacher drawn at random (``'random'``; the draw depends only on
    ``selection_seed`` and the step, so every rank draws the same teacher and a resumed run
    continues the sequence). Frozen teachers run under no_grad, in eval mode, only as far as
    their recorders need, and are not stored in checkpoints; trainable ones run whole, with
    their own loss, and are saved.

    Args:
        distiller (dict): a ``MultiTeacherDistiller`` config (recorders per teacher).
        teachers (dict): name -> ``dict(model=..., ckpt='teacher.pth', data_preprocessor=None,
            policy='frozen', norm_train=False)``. ``model`` is a model config (or
            ``cfg_path``); ``ckpt`` a local checkpoint (required for a frozen teacher);
            ``data_preprocessor`` an optional ``ClsDataPreprocessor`` config for a teacher
            trained with another normalisation: the batch is re-normalised for it; ``policy``
            ``'frozen'`` (not saved), ``'trainable'`` (trained with its own loss, logged as
            ``NAME.loss``, saved in checkpoints; its norm layers in eval mode, as
            ``SingleTeacherDistill``'s) or ``'ema'`` (the student's moving average with
            momentum ``ema_momentum``, default 0.999, kept by ``EMATeacherHook``, saved; no
            ``ckpt`` needed, and without ``model`` a copy of the student's architecture);
            ``norm_train`` keeps a frozen teacher's BN in train mode
            (``SingleTeacherDistill.teacher_norm_train``); ``lean`` a frozen teacher's lean
            options (``SingleTeacherDistill.teacher_lean``: ``channels_last``, ``autocast``,
            ``compile``), per teacher; also ``norm_eval`` and ``early_exit``: every field of
            a :class:`~mmkd.models.teachers.Teacher` but its cache (a teacher-output cache
            serves one teacher: ``SingleTeacherDistill``'s ``teacher_cache``).
        teacher_selection (str): ``'all'`` or ``'random'``. Defaults to ``'all'``.
        selection_seed (int): seed of the random draw. Defaults to 0.
        calculate_student_loss (bool): add the student's own task loss. Defaults to True.
        teacher_early_exit (bool): stop each teacher once its records are taken. Default True.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    teachers_key = 'teachers'

    def __init__(self, distiller: dict, teachers: Dict[str, dict], teacher_selection: str = 'all',
                 selection_seed: int = 0, calculate_student_loss: bool = True,
                 teacher_early_exit: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        if teacher_selection not in SELECTIONS:
            raise KDConfigError(f'model.teacher_selection={teacher_selection!r} is not valid; '
                                f'choose one of {list(SELECTIONS)}')
        self.teacher_selection = teacher_selection
        self.selection_seed = selection_seed
        self.calculate_student_loss = calculate_student_loss
        # The number of draws so far; saved in checkpoints so resuming continues the sequence.
        self.register_buffer('selection_step', torch.zeros((), dtype=torch.long))
        self.add_teachers(self.teachers_from(teachers, 'teacher_preprocessors', POLICIES,
                                             dict(early_exit=teacher_early_exit)), distiller)

    def select_teachers(self) -> List[str]:
        """The teachers of this step."""
        names = list(self.teachers_by_name())
        if self.teacher_selection == 'all':
            return names
        gen = torch.Generator().manual_seed(self.selection_seed * 1_000_003 + int(self.selection_step))
        self.selection_step += 1
        return [names[int(torch.randint(len(names), (1, ), generator=gen))]]
