"""The distiller of several teachers: recorders per teacher, mappings that name the teacher."""
from typing import Any, Dict, List, Optional

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..recorders import RecorderManager
from .configurable_distiller import MAPPING_KEYS, ConfigurableDistiller


@MODELS.register_module()
class MultiTeacherDistiller(ConfigurableDistiller):
    """:class:`ConfigurableDistiller` for :class:`MultiTeacherDistill`.

    ``teacher_recorders`` maps each teacher's name to its recorders::

        teacher_recorders=dict(
            resnet=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
            vit=dict(logits=dict(type='ModuleOutputs', source='head.layers.head')))

    A mapping entry that reads a teacher (``from_student=False``) names it with ``teacher``:
    one name gives that teacher's record; a list of names, or ``'all'``, gives the list of the
    records of those teachers that ran in this step (all of them, or the one drawn when the
    algorithm selects a teacher at random), for losses that combine teachers such as
    ``MultiTeacherKLDivergence``.
    """

    mapping_keys = MAPPING_KEYS + ('teacher', )

    def _build_teacher_recorders(self, cfg: Optional[dict], key: str) -> Dict[str, RecorderManager]:
        if not isinstance(cfg, dict) or not cfg or not all(isinstance(v, dict) for v in cfg.values()):
            raise KDConfigError(
                f'{key} must be a dict of teacher name -> dict of recorders, e.g. '
                "dict(t1=dict(logits=dict(type='ModuleOutputs', source='head.fc')))")
        # Set before the mappings are checked against it.
        self.active_teachers: List[str] = list(cfg)
        return {name: RecorderManager(recorders, f'{key}.{name}') for name, recorders in cfg.items()}

    def _check_source(self, spec: dict, where: str) -> dict:
        if spec['from_student']:
            if 'teacher' in spec:
                raise KDConfigError(f'{where}.teacher only goes with from_student=False')
            return super()._check_source(spec, where)
        names = spec.get('teacher')
        if names is None:
            raise KDConfigError(
                f'{where}.teacher is missing: name one of {list(self.teacher_recorders)}, a list '
                'of them, or "all"')
        multi = names == 'all' or isinstance(names, (list, tuple))
        teachers = list(self.teacher_recorders) if names == 'all' else (
            list(names) if multi else [names])
        for name in teachers:
            if name not in self.teacher_recorders:
                raise KDConfigError(
                    f'{where}.teacher={name!r} is not in model.distiller.teacher_recorders. '
                    + suggest(str(name), self.teacher_recorders))
            self._check_recorder_in(self.teacher_recorders[name], spec['recorder'], where,
                                    f'teacher_recorders.{name}')
        return dict(teacher=tuple(teachers), multi=multi)

    def _fetch(self, spec: dict) -> Any:
        if spec['from_student']:
            return super()._fetch(spec)
        ran = [t for t in spec['teacher'] if t in self.active_teachers]
        if not spec['multi'] and not ran:
            raise KDConfigError(
                f'teacher {spec["teacher"][0]!r} did not run in this step (the algorithm drew '
                f'{self.active_teachers}); with teacher_selection="random", read teachers '
                'through a list, teacher=[...] or "all"')
        records = [self.teacher_recorders[t].get_recorder(spec['recorder']).get_record_data(
            spec['record_idx'], spec['data_idx']) for t in ran]
        return records if spec['multi'] else records[0]

    def prepare_from_teacher(self, model) -> None:
        raise TypeError('MultiTeacherDistiller installs recorders per teacher: use '
                        'prepare_from_teachers(dict of name -> model)')

    def prepare_from_teachers(self, teachers: Dict[str, Any]) -> None:
        for name, manager in self.teacher_recorders.items():
            if name not in teachers:
                raise KDConfigError(
                    f'model.distiller.teacher_recorders.{name}: there is no teacher {name!r} in '
                    'model.teachers. ' + suggest(name, teachers))
            manager.initialize(teachers[name])
        self.init_connectors_from_teachers(dict(teachers))

    def remove_recorders(self) -> None:
        self.student_recorders.remove()
        for manager in self.teacher_recorders.values():
            manager.remove()

    def reset_records(self) -> None:
        self.student_recorders.reset_data_buffer()
        for manager in self.teacher_recorders.values():
            manager.reset_data_buffer()
