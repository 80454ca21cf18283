"""What every algorithm that distils from named teachers (or peers) shares."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError
from ..distillers import ConfigurableDistiller
from ..teachers import Teacher, nested_keys, teachers_as_modules
from ..teachers.cached import open_teacher_cache
from ..teachers.teacher import SAVED_POLICIES, check_names
from .base_algorithm import BaseAlgorithm, ModelEntry
from .ema_teacher import EMATeacherMixin


class BaseTeacherDistill(EMATeacherMixin, BaseAlgorithm):
    """An algorithm over one distiller and named :class:`~mmkd.models.teachers.Teacher`\\ s.

    A subclass builds its ``Teacher`` objects from its config keywords and calls
    :meth:`add_teachers`; this class then builds, loads, freezes and installs them, sets
    their modes, keeps frozen ones out of checkpoints, lists EMA ones, and runs each step:
    every teacher of :meth:`select_teachers` records (a trainable one adds its own loss),
    then the student, then the distiller's losses.

    Subclasses set ``self.calculate_student_loss`` and may set ``self.student_trainable``
    before :meth:`add_teachers`. One that takes its teachers as a dict of name -> teacher
    dict under one config key (``teachers``, ``peers``) names it in ``teachers_key``, with
    the policy a teacher has by default, and builds them with :meth:`teachers_from`.
    """

    #: the config key (and ``ModuleDict``) of name -> teacher dict, if the algorithm has one
    teachers_key: Optional[str] = None
    #: the policy of a teacher of that dict that names none
    default_policy = 'frozen'

    @classmethod
    def models_in_config(cls, model_cfg: dict):
        entries = super().models_in_config(model_cfg)
        if cls.teachers_key is not None:
            for name, cfg in (model_cfg.get(cls.teachers_key) or {}).items():
                entries[name] = cls.model_entry(
                    f'model.{cls.teachers_key}.{name}.model', cfg.get('model'),
                    f'{cls.teachers_key}.{name}.', cfg.get('policy', cls.default_policy),
                    model_cfg.get('architecture'), f'model.{cls.teachers_key}.{name}.ckpt')
        return entries

    def teachers_from(self, cfgs: Dict[str, dict], preprocessors: str, policies,
                      defaults: dict) -> Dict[str, Teacher]:
        """The :class:`Teacher`\\ s of ``model.<teachers_key>``: their models go to the
        ``ModuleDict`` of that name, their preprocessors to ``preprocessors``."""
        key = self.teachers_key
        if not isinstance(cfgs, dict) or not cfgs:
            raise KDConfigError(f'model.{key} must be a dict of name -> dict(model=...)')
        check_names(list(cfgs), f'model.{key}')
        setattr(self, key, nn.ModuleDict())
        setattr(self, preprocessors, nn.ModuleDict())
        return {name: Teacher(name, cfg, nested_keys(f'model.{key}.{name}'), f'{key}.{name}',
                              f'{preprocessors}.{name}', policies, defaults)
                for name, cfg in cfgs.items()}

    def add_teachers(self, teachers: Dict[str, Teacher], distiller) -> None:
        """Build ``teachers`` (unless ``student_only``), put their modules at their paths
        (a ``'<dict>.<name>'`` path goes into a ``ModuleDict`` already on the algorithm),
        build the distiller and install everything.

        Args:
            teachers: name -> Teacher, in the order they run.
            distiller: the distiller's config (or module).
        """
        self._teachers = dict(teachers)
        ema = [t for t in teachers.values() if t.policy == 'ema']
        if ema:  # also when testing, so the saved EMA state loads without surprises
            self.init_ema_state(loaded=[t.name for t in ema if t.loaded_from_checkpoint])
        for teacher in teachers.values():
            module = None if self.student_only else teacher.build(self.student)
            self._set_path(teacher.path, module)
            self._set_path(teacher.preprocessor_path, teacher.preprocessor)
        if not self.student_trainable:
            self.student.requires_grad_(False)
        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        if self.student_only:
            for teacher in teachers.values():
                teacher.ignore_in_checkpoints(self)
            return
        self.distiller.prepare_from_teachers(
            teachers_as_modules(teachers),
            served=[name for name, t in teachers.items() if t.policy == 'cached'])
        for teacher in teachers.values():
            teacher.install(self, self.distiller)
            if teacher.policy == 'cached':
                teacher.cache = open_teacher_cache(teacher, self)

    @staticmethod
    def model_entry(key: str, model_cfg, prefix: str, policy: str, student_cfg,
                    ckpt_key: str) -> ModelEntry:
        """A teacher's :class:`ModelEntry`: an EMA teacher without a model config has the
        student's architecture; trained and EMA teachers are saved, frozen ones are not."""
        config = student_cfg if model_cfg is None and policy == 'ema' else model_cfg
        return ModelEntry(key, config, prefix, policy in SAVED_POLICIES, ckpt_key)

    def _set_path(self, path: str, module: Optional[nn.Module]) -> None:
        parent, _, child = path.rpartition('.')
        if parent:
            if module is not None:
                self.get_submodule(parent)[child] = module
        else:
            setattr(self, child, module)

    def probe_models(self) -> Dict[str, nn.Module]:
        return {name: t.module if t.module is not None else t.build_architecture(self.student)
                for name, t in self._teachers.items()}

    def teachers_by_name(self) -> Dict[str, Teacher]:
        """The algorithm's teachers (and peers), by record source name."""
        return self._teachers

    def select_teachers(self) -> List[str]:
        """The teachers that run this step: all of them here."""
        return list(self._teachers)

    def ema_teachers(self):
        return {name: (t.module, t.ema_momentum) for name, t in self._teachers.items()
                if t.policy == 'ema' and t.module is not None}

    def named_models(self) -> Dict[str, nn.Module]:
        return teachers_as_modules(self._teachers)

    def model_inputs(self, name: str, inputs: torch.Tensor) -> torch.Tensor:
        inputs = self.view_of(name, inputs)
        teacher = self._teachers.get(name)
        if teacher is None:
            return inputs
        return self.inputs_for(inputs, teacher.preprocessor, teacher.keys('data_preprocessor'))

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        return self.distil(inputs, data_samples)

    def distil(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
               distiller: str = 'distiller') -> Dict[str, torch.Tensor]:
        """One pass of the teachers of the step and then the student inside the recorders of
        the named distiller (see :meth:`distillers`), and its losses."""
        self.check_ema_updates()
        active = self.select_teachers()
        recorders = self.distillers()[distiller]
        recorders.set_active_sources(active)
        losses = {}
        for name in active:
            losses.update(self._teachers[name].record(
                recorders, self.model_inputs(name, inputs), data_samples))
        return self.student_and_distill_losses(inputs, data_samples, losses, distiller)

    def train(self, mode: bool = True) -> 'BaseTeacherDistill':
        super().train(mode)
        for teacher in getattr(self, '_teachers', {}).values():
            teacher.set_mode(mode)
        return self
