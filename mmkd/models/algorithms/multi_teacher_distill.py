"""Distillation from several teachers: frozen (offline), trained together with the student, or
its moving average."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..distillers import MultiTeacherDistiller
from ..utils.model_builder import (build_data_preprocessor, build_model,
                                   check_preprocessor_classes)
from .base_algorithm import BaseAlgorithm, add_prefix
from .ema_teacher import EMATeacherMixin
from .frozen_teacher import (check_lean_options, exclude_from_checkpoints, ignore_loaded_entries,
                             load_teacher_checkpoint, make_lean, run_lean, set_norm_layers_eval,
                             set_norm_layers_train)

TEACHER_KEYS = ('model', 'ckpt', 'data_preprocessor', 'policy', 'norm_train', 'ema_momentum',
                'lean')
POLICIES = ('frozen', 'trainable', 'ema')
SELECTIONS = ('all', 'random')


@MODELS.register_module()
class MultiTeacherDistill(EMATeacherMixin, BaseAlgorithm):
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
            ``compile``), per teacher.
        teacher_selection (str): ``'all'`` or ``'random'``. Defaults to ``'all'``.
        selection_seed (int): seed of the random draw. Defaults to 0.
        calculate_student_loss (bool): add the student's own task loss. Defaults to True.
        teacher_early_exit (bool): stop each teacher once its records are taken. Default True.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    def __init__(self, distiller: dict, teachers: Dict[str, dict], teacher_selection: str = 'all',
                 selection_seed: int = 0, calculate_student_loss: bool = True,
                 teacher_early_exit: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        if teacher_selection not in SELECTIONS:
            raise KDConfigError(f'model.teacher_selection={teacher_selection!r} is not valid; '
                                f'choose one of {list(SELECTIONS)}')
        if not isinstance(teachers, dict) or not teachers:
            raise KDConfigError('model.teachers must be a dict of name -> dict(model=..., ckpt=...)')
        self.teacher_selection = teacher_selection
        self.selection_seed = selection_seed
        self.calculate_student_loss = calculate_student_loss
        self.teachers = nn.ModuleDict()
        self.teacher_preprocessors = nn.ModuleDict()
        self.policies: Dict[str, str] = {}
        self.norm_train: List[str] = []
        self._ema_momentum: Dict[str, float] = {}
        self.lean: Dict[str, dict] = {}
        # The number of draws so far; saved in checkpoints so resuming continues the sequence.
        self.register_buffer('selection_step', torch.zeros((), dtype=torch.long))
        if not self.student_only:  # test and inference build and load no teacher
            for name, cfg in teachers.items():
                self._add_teacher(name, cfg)
        ema = [n for n, cfg in teachers.items() if isinstance(cfg, dict)
               and cfg.get('policy') == 'ema']
        if ema:  # also when testing, so the saved EMA state loads without surprises
            self.init_ema_state(loaded=[n for n in ema if teachers[n].get('ckpt') is not None])
        self.distiller = self.build_distiller(distiller, MultiTeacherDistiller)
        if self.student_only:
            ignore_loaded_entries(self, 'teachers', 'teacher_preprocessors')
            return
        self.distiller.prepare_from_teachers(self.teachers)
        for name in self.teachers:
            frozen = self.policies[name] == 'frozen'
            self.distiller.set_early_exit(name, teacher_early_exit and frozen)
            if frozen:
                exclude_from_checkpoints(self, f'teachers.{name}',
                                         keep_norm_stats=name in self.norm_train)

    def _add_teacher(self, name: str, cfg: dict) -> None:
        key = f'model.teachers.{name}'
        if not isinstance(cfg, dict) or ('model' not in cfg and cfg.get('policy') != 'ema'):
            raise KDConfigError(f'{key} must be dict(model=..., ckpt=...), got {cfg!r}')
        unknown = [k for k in cfg if k not in TEACHER_KEYS]
        if unknown:
            raise KDConfigError(f'{key}: unknown key(s) {unknown}; valid: {list(TEACHER_KEYS)}')
        policy = cfg.get('policy', 'frozen')
        if policy not in POLICIES:
            raise KDConfigError(f'{key}.policy={policy!r} is not valid for MultiTeacherDistill; '
                                f"choose one of {list(POLICIES)} (a mean teacher, 'ema', is "
                                "SingleTeacherDistill's)")
        if cfg.get('norm_train') and policy != 'frozen':
            raise KDConfigError(f'{key}.norm_train is for a frozen teacher')
        if policy == 'ema' and cfg.get('model') is None:
            teacher = copy.deepcopy(self.student)
        else:
            teacher = build_model(cfg['model'], f'{key}.model')
        if policy == 'frozen' or cfg.get('ckpt') is not None:
            load_teacher_checkpoint(teacher, cfg.get('ckpt'), f'{key}.ckpt')
        if policy != 'trainable':
            teacher.requires_grad_(False)
        lean = check_lean_options(cfg.get('lean'), f'{key}.lean', policy)
        make_lean(teacher, lean)
        self.lean[name] = lean
        self.teachers[name] = teacher
        self.policies[name] = policy
        if policy == 'ema':
            momentum = cfg.get('ema_momentum', 0.999)
            if not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
                raise KDConfigError(f'{key}.ema_momentum must be in [0, 1), got {momentum!r}')
            self._ema_momentum[name] = float(momentum)
        if cfg.get('norm_train'):
            self.norm_train.append(name)
        if cfg.get('data_preprocessor') is not None:
            self.teacher_preprocessors[name] = build_data_preprocessor(
                cfg['data_preprocessor'], f'{key}.data_preprocessor')
            check_preprocessor_classes(teacher, self.teacher_preprocessors[name],
                                       f'{key}.model', f'{key}.data_preprocessor')

    def select_teachers(self) -> List[str]:
        """The teachers of this step."""
        names = list(self.teachers)
        if self.teacher_selection == 'all':
            return names
        gen = torch.Generator().manual_seed(self.selection_seed * 1_000_003 + int(self.selection_step))
        self.selection_step += 1
        return [names[int(torch.randint(len(names), (1, ), generator=gen))]]

    def ema_teachers(self):
        return {name: (self.teachers[name], m) for name, m in self._ema_momentum.items()
                if name in self.teachers}

    def model_inputs(self, name: str, inputs: torch.Tensor) -> torch.Tensor:
        return self.inputs_for(inputs, self.teacher_preprocessors[name]
                               if name in self.teacher_preprocessors else None,
                               f'model.teachers.{name}.data_preprocessor')

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        self.check_ema_updates()
        active = self.select_teachers()
        self.distiller.set_active_sources(active)
        losses = {}
        for name in active:
            teacher_inputs = self.model_inputs(name, inputs)
            if self.policies[name] == 'trainable':
                losses.update(add_prefix(self.distiller.record(
                    name, lambda: self.teachers[name](teacher_inputs, data_samples, mode='loss'),
                    grad=True, required=True), name))
            else:
                self.distiller.record(name, lambda: run_lean(
                    self.lean[name], teacher_inputs,
                    lambda x: self.teachers[name](x, data_samples, mode='tensor'),
                    self.distiller.sources[name]))
        return self.student_and_distill_losses(inputs, data_samples, losses)

    def named_models(self) -> Dict[str, nn.Module]:
        return dict(self.teachers.items())

    def train(self, mode: bool = True) -> 'MultiTeacherDistill':
        super().train(mode)
        for name, teacher in self.teachers.items():
            if self.policies.get(name) == 'trainable':
                if mode:
                    set_norm_layers_eval(teacher)
            else:
                teacher.eval()
                if mode and name in self.norm_train:
                    set_norm_layers_train(teacher)
        return self
