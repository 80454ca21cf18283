"""Recorders -> connectors -> losses, wired by ``loss_forward_mappings`` and checked at build."""
import inspect
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..recorders import RecorderManager
from ..utils.structures import get_gt_labels

# Inputs a loss may ask for by name that the distiller takes from the batch itself.
BATCH_INPUTS = ('gt_labels', 'data_samples')
MAPPING_KEYS = ('recorder', 'from_student', 'record_idx', 'data_idx', 'connector')


@MODELS.register_module()
class ConfigurableDistiller(BaseModule):
    """Computes distillation losses from what the student and the teacher recorded.

    Args:
        student_recorders (dict): ``name -> recorder config`` installed on the student.
        teacher_recorders (dict): ``name -> recorder config`` installed on the teacher.
        distill_losses (dict): ``name -> loss config``. Every name must contain ``'loss'``
            (MMEngine only sums log entries whose name does).
        connectors (dict): ``name -> connector config``; trainable, saved with the student.
        loss_forward_mappings (dict): for every loss, ``forward argument -> dict(recorder=...,
            from_student=bool, record_idx=0, data_idx=None, connector=None)``. ``recorder`` may be
            a list of names: the argument is then a tuple of those records, in order (for
            losses over several layers); ``connector`` is then one name (it receives the tuple)
            or a list of names or None, one per record; ``'NAME.VIEW'`` names another output
            of a connector (one it lists in ``views``). The arguments
            ``gt_labels`` and ``data_samples`` are filled from the batch and are not mapped.

    Everything is checked when the distiller is built: each error names the config key at
    fault and what would be valid.
    """

    mapping_keys = MAPPING_KEYS

    def __init__(self, student_recorders: Optional[dict] = None,
                 teacher_recorders: Optional[dict] = None,
                 distill_losses: Optional[dict] = None, connectors: Optional[dict] = None,
                 loss_forward_mappings: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        key = 'model.distiller'
        self.student_recorders = RecorderManager(student_recorders, f'{key}.student_recorders')
        self.teacher_recorders = self._build_teacher_recorders(
            teacher_recorders, f'{key}.teacher_recorders')
        self.distill_losses = self._build_modules(distill_losses, f'{key}.distill_losses')
        self.connectors = self._build_modules(connectors, f'{key}.connectors')
        for name in self.distill_losses:
            if 'loss' not in name:
                raise KDConfigError(
                    f'{key}.distill_losses.{name}: the name must contain "loss" (e.g. '
                    f'"loss_{name}"), or MMEngine would log it without adding it to the loss.')
        self.loss_forward_mappings = self._check_mappings(loss_forward_mappings or {})
        # Loss-weight multipliers by who sets them (a schedule, a training stage, ...).
        self._factors_by_source: Dict[str, Dict[str, float]] = {}
        self._batch_inputs = {
            name: [a for a in BATCH_INPUTS if a in _forward_params(loss)]
            for name, loss in self.distill_losses.items()
        }

    def set_loss_weight_factors(self, factors: Dict[str, float], source: str) -> None:
        """Set the multipliers that ``source`` (e.g. ``'schedule'``, ``'stage'``) applies to
        distillation losses, by loss name; losses it does not name keep their factor from it.

        A loss is multiplied by the product of every source's factor on top of its
        ``loss_weight``; a loss whose product is 0 is not computed at this step. This is the
        one way per-step weights reach the distiller (``LossWeightScheduleHook``,
        ``DistillStagesHook``).
        """
        unknown = [n for n in factors if n not in self.distill_losses]
        if unknown:
            raise KDConfigError(f'{source}: no loss {unknown[0]!r} in model.distill'
                                f'er.distill_losses. ' + suggest(unknown[0], self.distill_losses))
        self._factors_by_source.setdefault(source, {}).update(
            {name: float(f) for name, f in factors.items()})

    @property
    def loss_weight_factors(self) -> Dict[str, float]:
        """The effective multiplier of every distillation loss at this step (read-only)."""
        factors = {name: 1.0 for name in self.distill_losses}
        for by_loss in self._factors_by_source.values():
            for name, f in by_loss.items():
                factors[name] *= f
        return factors

    def active_losses(self) -> List[str]:
        """The losses computed at this step (factor not 0)."""
        return [name for name, f in self.loss_weight_factors.items() if f != 0]

    def reads_student(self) -> bool:
        """Whether any loss computed at this step reads a student record."""
        return any(spec['from_student'] for name in self.active_losses()
                   for spec in self.loss_forward_mappings[name].values())

    def _build_teacher_recorders(self, cfg: Optional[dict], key: str):
        return RecorderManager(cfg, key)

    @staticmethod
    def _build_modules(cfgs: Optional[dict], key: str) -> nn.ModuleDict:
        modules = nn.ModuleDict()
        if cfgs is None:
            return modules
        if not isinstance(cfgs, dict):
            raise KDConfigError(f'{key} must be a dict of name -> config, got {cfgs!r}')
        for name, cfg in cfgs.items():
            if isinstance(cfg, nn.Module):
                modules[name] = cfg
                continue
            if not isinstance(cfg, dict) or 'type' not in cfg:
                raise KDConfigError(f'{key}.{name} must be a dict with a "type", got {cfg!r}')
            if MODELS.get(cfg['type']) is None:
                raise KDConfigError(
                    f'{key}.{name}.type={cfg["type"]!r} is not registered in mmkd. '
                    + suggest(cfg['type'], MODELS.module_dict))
            try:
                modules[name] = MODELS.build(cfg)
            except (TypeError, ValueError) as e:
                raise KDConfigError(
                    f'{key}.{name}: {e}. {cfg["type"]} takes '
                    f'{_init_params(MODELS.get(cfg["type"]))}.') from e
        return modules

    def _check_mappings(self, mappings: dict) -> Dict[str, Dict[str, dict]]:
        key = 'model.distiller.loss_forward_mappings'
        if not isinstance(mappings, dict):
            raise KDConfigError(f'{key} must be a dict, got {mappings!r}')
        for name in mappings:
            if name not in self.distill_losses:
                raise KDConfigError(
                    f'{key}.{name}: there is no loss {name!r} in model.distiller.distill_losses. '
                    + suggest(name, self.distill_losses))
        used_connectors = set()
        checked: Dict[str, Dict[str, dict]] = {}
        for name, loss in self.distill_losses.items():
            params = _forward_params(loss)
            mapping = mappings.get(name)
            if mapping is None:
                raise KDConfigError(
                    f'{key}.{name} is missing: map the inputs '
                    f'{[p for p in params if p not in BATCH_INPUTS]} of '
                    f'{type(loss).__name__}.forward to recorders.')
            checked[name] = {}
            for arg, spec in mapping.items():
                where = f'{key}.{name}.{arg}'
                if arg in BATCH_INPUTS:
                    raise KDConfigError(
                        f'{where}: {arg} comes from the batch; remove it from the mapping.')
                if arg not in params:
                    raise KDConfigError(
                        f'{where}: {type(loss).__name__}.forward has no argument {arg!r}; it '
                        f'takes {list(params)}. ' + suggest(arg, params))
                checked[name][arg] = self._check_spec(spec, where)
                named = checked[name][arg]['connector']
                used_connectors.update(c.partition('.')[0] for c in (
                    named if isinstance(named, tuple) else (named, )) if c is not None)
            missing = [p for p, d in params.items()
                       if d is inspect.Parameter.empty and p not in BATCH_INPUTS
                       and p not in mapping]
            if missing:
                raise KDConfigError(
                    f'{key}.{name} does not map {missing}, which '
                    f'{type(loss).__name__}.forward needs.')
        unused = [c for c in self.connectors if c not in used_connectors]
        if unused:
            raise KDConfigError(
                f'model.distiller.connectors {unused} are not used by any mapping in {key}; '
                'name them with connector=... or remove them (unused trainable parameters '
                'also break DistributedDataParallel).')
        return checked

    def _check_spec(self, spec: Any, where: str) -> dict:
        if not isinstance(spec, dict):
            raise KDConfigError(f'{where} must be a dict(recorder=..., from_student=...), got {spec!r}')
        unknown = [k for k in spec if k not in self.mapping_keys]
        if unknown:
            raise KDConfigError(
                f'{where}: unknown key(s) {unknown}; valid keys are {list(self.mapping_keys)}. '
                + suggest(unknown[0], self.mapping_keys))
        if 'recorder' not in spec or 'from_student' not in spec:
            raise KDConfigError(f'{where} needs both "recorder" and "from_student"')
        if not isinstance(spec['from_student'], bool):
            raise KDConfigError(f'{where}.from_student must be True or False')
        recorder = spec['recorder']
        several = isinstance(recorder, (list, tuple))
        names = list(recorder) if several else [recorder]
        if not names or not all(isinstance(n, str) for n in names):
            raise KDConfigError(f'{where}.recorder must be a recorder name or a non-empty list '
                                f'of names, got {recorder!r}')
        for i, name in enumerate(names):
            extra = self._check_source(dict(spec, recorder=name),
                                       f'{where}.recorder[{i}]' if several else where)
        record_idx, data_idx = spec.get('record_idx', 0), spec.get('data_idx')
        if not isinstance(record_idx, int) or isinstance(record_idx, bool) or record_idx < 0:
            raise KDConfigError(f'{where}.record_idx must be an int >= 0, got {record_idx!r}')
        if data_idx is not None and (not isinstance(data_idx, int) or isinstance(data_idx, bool)):
            raise KDConfigError(f'{where}.data_idx must be an int or None, got {data_idx!r}')
        connector = spec.get('connector')
        connectors = list(connector) if isinstance(connector, (list, tuple)) else [connector]
        if isinstance(connector, (list, tuple)):
            if not several or len(connectors) != len(names):
                raise KDConfigError(
                    f'{where}.connector: a list of connectors goes with a list of recorders of '
                    f'the same length (one per record, None for none); got {len(connectors)} '
                    f'connectors for recorder={recorder!r}')
            connector = tuple(connectors)
        for c in connectors:
            if c is not None:
                self._check_connector(c, f'{where}.connector')
        return dict(recorder=tuple(names) if several else recorder,
                    from_student=spec['from_student'], record_idx=record_idx,
                    data_idx=data_idx, connector=connector, **extra)

    def _check_connector(self, name: Any, where: str) -> None:
        """A connector is named ``NAME`` (its forward) or ``NAME.VIEW`` (one of the other
        outputs it lists in ``views``, e.g. ``Paraphraser``'s ``reconstruct``)."""
        if not isinstance(name, str):
            raise KDConfigError(f'{where} must be a connector name, got {name!r}')
        base, _, view = name.partition('.')
        if base not in self.connectors:
            raise KDConfigError(f'{where}={name!r} is not in model.distiller.connectors. '
                                + suggest(base, self.connectors))
        views = getattr(self.connectors[base], 'views', ())
        if view and view not in views:
            raise KDConfigError(
                f'{where}={name!r}: {type(self.connectors[base]).__name__} has no view '
                f'{view!r}; ' + (f'its views are {list(views)}' if views else
                                 'it has no views (name the connector alone)'))

    def _check_source(self, spec: dict, where: str) -> dict:
        """Check that the recorder named by ``spec`` exists; return extra normalised keys."""
        manager = self.student_recorders if spec['from_student'] else self.teacher_recorders
        self._check_recorder_in(manager, spec['recorder'], where,
                                'student_recorders' if spec['from_student'] else 'teacher_recorders')
        return {}

    @staticmethod
    def _check_recorder_in(manager: RecorderManager, name: str, where: str, key: str) -> None:
        if name not in manager.recorders:
            raise KDConfigError(
                f'{where}.recorder={name!r} is not in model.distiller.{key}. '
                + suggest(name, manager.recorders))

    def prepare_from_student(self, model: nn.Module) -> None:
        self.student_recorders.initialize(model)

    def prepare_from_teacher(self, model: nn.Module) -> None:
        self.teacher_recorders.initialize(model)
        self.init_connectors_from_teachers(dict(teacher=model))

    def init_connectors_from_teachers(self, teachers: dict) -> None:
        """Give the loaded teachers to connectors that derive something from them (e.g.
        ``OFDTeacherConnector``'s margins), by their ``init_from_teachers(teachers, key)``."""
        for name, connector in self.connectors.items():
            if hasattr(connector, 'init_from_teachers'):
                connector.init_from_teachers(teachers, f'model.distiller.connectors.{name}')

    def remove_recorders(self) -> None:
        self.student_recorders.remove()
        self.teacher_recorders.remove()

    def reset_records(self) -> None:
        """Drop this step's records so they do not hold memory until the next step."""
        self.student_recorders.reset_data_buffer()
        self.teacher_recorders.reset_data_buffer()

    def _fetch(self, spec: dict) -> Any:
        manager = self.student_recorders if spec['from_student'] else self.teacher_recorders
        return manager.get_recorder(spec['recorder']).get_record_data(
            spec['record_idx'], spec['data_idx'])

    def get_record(self, spec: dict) -> Any:
        """The record a mapping names, through its connector(s). A list of recorders gives a
        tuple of records in that order; one connector then receives the whole tuple (e.g. a
        fusion over stages), a list of connectors applies one per record."""
        if isinstance(spec['recorder'], tuple):
            data = tuple(self._fetch(dict(spec, recorder=r)) for r in spec['recorder'])
            if isinstance(spec['connector'], tuple):
                return tuple(d if c is None else self._connect(c, d, spec)
                             for c, d in zip(spec['connector'], data))
        else:
            data = self._fetch(spec)
        if spec['connector'] is None:
            return data
        return self._connect(spec['connector'], data, spec)

    def _connect(self, name: str, data: Any, spec: dict) -> Any:
        base, _, view = name.partition('.')
        connector = getattr(self.connectors[base], view) if view else self.connectors[base]
        try:
            return [connector(d) for d in data] if spec.get('multi') else connector(data)
        except torch.cuda.OutOfMemoryError:
            raise
        except RuntimeError as e:
            shape = tuple(data.shape) if isinstance(data, torch.Tensor) else \
                [tuple(d.shape) for d in data if isinstance(d, torch.Tensor)]
            raise RuntimeError(
                f'connector {name!r} failed on the record of shape {shape} '
                f'(check its input channels in model.distiller.connectors): {e}') from e

    def compute_distill_losses(self, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Every distillation loss, by name, from this step's records."""
        losses = {}
        factors = self.loss_weight_factors
        for name, loss in self.distill_losses.items():
            factor = factors[name]
            if factor == 0:
                continue
            mapping = self.loss_forward_mappings[name]
            kwargs = {}
            for arg, spec in mapping.items():
                try:
                    kwargs[arg] = self.get_record(spec)
                except torch.cuda.OutOfMemoryError:
                    raise
                except (IndexError, TypeError, RuntimeError) as e:
                    raise KDConfigError(
                        f'model.distiller.loss_forward_mappings.{name}.{arg}: {e}') from e
            if 'gt_labels' in self._batch_inputs[name]:
                kwargs['gt_labels'] = get_gt_labels(data_samples)
            if 'data_samples' in self._batch_inputs[name]:
                kwargs['data_samples'] = data_samples
            try:
                value = loss(**kwargs)
            except torch.cuda.OutOfMemoryError:
                raise
            except (RuntimeError, ValueError) as e:
                raise KDConfigError(
                    f'model.distiller.distill_losses.{name} ({type(loss).__name__}) failed on '
                    f'its inputs {_describe(mapping, kwargs)}: {e}') from e
            losses[name] = value if factor == 1 else factor * value
        return losses


def _forward_params(loss: nn.Module) -> Dict[str, Any]:
    """``forward``'s named arguments and their defaults."""
    sig = inspect.signature(loss.forward)
    return {n: p.default for n, p in sig.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _init_params(cls) -> list:
    return [n for n in inspect.signature(cls.__init__).parameters if n not in ('self', 'args', 'kwargs')]


def _describe(mapping: Dict[str, dict], kwargs: Dict[str, Any]) -> str:
    parts = []
    for arg, spec in mapping.items():
        value = kwargs[arg]
        if isinstance(value, torch.Tensor):
            shape = tuple(value.shape)
        elif isinstance(value, (list, tuple)):
            shape = [tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__
                     for v in value]
        else:
            shape = type(value).__name__
        side = 'student' if spec['from_student'] else 'teacher'
        via = f' via connector {spec["connector"]!r}' if spec['connector'] else ''
        parts.append(f'{arg} = {side} recorder {spec["recorder"]!r}{via}, shape {shape}')
    return '; '.join(parts)
