"""Recorders -> connectors -> losses, wired by ``loss_forward_mappings`` and checked at build."""
import inspect
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmkd.registry import MODELS
from mmkd.utils.component_seed import seeded_component
from mmkd.utils.config_errors import KDConfigError, suggest
from ..recorders import RecorderManager
from ..teachers.needs import teacher_needs
from ..utils.model_builder import seed_key
from ..utils.structures import get_gt_labels
from .loss_mappings import (BATCH_INPUTS, MAPPING_KEYS, STUDENT, MappingChecker,
                            forward_params, sources_read)
from .shape_inference import (RecordInfo, Unresolved, auto_args, connector_uses, probe_mode,
                              resolve_args)

__all__ = ['ConfigurableDistiller', 'BATCH_INPUTS', 'MAPPING_KEYS']


def _is_recorder_cfg(cfg: Any) -> bool:
    return isinstance(cfg, dict) and 'type' in cfg


@MODELS.register_module()
@MODELS.register_module(name='MultiTeacherDistiller')
class ConfigurableDistiller(BaseModule):
    """Computes distillation losses from what the models of an algorithm recorded.

    Every model an algorithm holds (the student, each teacher, each peer, an EMA copy) is a
    *record source* with a name and its own recorders, and a mapping names the source it
    reads. The student is ``'student'``; a single teacher is ``'teacher'``.

    Args:
        student_recorders (dict): ``name -> recorder config`` of the student (source
            ``'student'``).
        teacher_recorders (dict): ``name -> recorder config`` of the teacher (source
            ``'teacher'``), or ``teacher name -> {name -> recorder config}`` for several
            teachers (sources named after them; ``MultiTeacherDistill``'s form).
        recorders (dict): the general form, ``source name -> {name -> recorder config}``,
            for any model the algorithm names (``'peer1'``, ``'ema'``, ...); may be combined
            with the two above.
        distill_losses (dict): ``name -> loss config``. Every name must contain ``'loss'``
            (MMEngine only sums log entries whose name does).
        connectors (dict): ``name -> connector config``; trainable, saved with the student.
        loss_forward_mappings (dict): for every loss, ``forward argument -> dict(recorder=...,
            source=..., record_idx=0, data_idx=None, connector=None)``. ``source`` names a
            source, a list of them or ``'all'`` (every source but the student): a list of
            records, one per source that ran this step. ``from_student=True/False`` (with
            ``teacher=`` for several teachers) is shorthand for ``source``. ``recorder`` may be
            a list of names: the argument is then a tuple of those records, in order (for
            losses over several layers); ``connector`` is then one name (it receives the tuple)
            or a list of names or None, one per record; ``'NAME.VIEW'`` names another output
            of a connector (one it lists in ``views``). The arguments ``gt_labels`` and
            ``data_samples`` are filled from the batch and are not mapped.
        input_shape (tuple, optional): the shape ``(C, H, W)`` of one input image; needed
            when a connector or loss argument is ``'auto'`` (read from the records of one
            probe pass of every model on zeros of this shape, see ``shape_inference.py``).

    Everything is checked when the distiller is built (``loss_mappings.py``): each error
    names the config key at fault and what would be valid. Per step, the algorithm records
    each model through :meth:`record`, and per-step state reaches the distiller through
    :meth:`set_active_sources` and :meth:`set_loss_weight_factors` only.
    """


    def __init__(self, student_recorders: Optional[dict] = None,
                 teacher_recorders: Optional[dict] = None, recorders: Optional[dict] = None,
                 distill_losses: Optional[dict] = None, connectors: Optional[dict] = None,
                 loss_forward_mappings: Optional[dict] = None,
                 input_shape: Optional[Sequence[int]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        key = 'model.distiller'
        self.sources: Dict[str, RecorderManager] = {}
        self._source_keys: Dict[str, str] = {}
        self._add_source(STUDENT, student_recorders, f'{key}.student_recorders')
        if teacher_recorders is not None:
            if not isinstance(teacher_recorders, dict):
                raise KDConfigError(f'{key}.teacher_recorders must be a dict, got '
                                    f'{teacher_recorders!r}')
            per_teacher = bool(teacher_recorders) and not any(
                _is_recorder_cfg(v) for v in teacher_recorders.values()) and all(
                isinstance(v, dict) and all(_is_recorder_cfg(r) for r in v.values())
                for v in teacher_recorders.values())
            if per_teacher:
                for name, cfg in teacher_recorders.items():
                    self._add_source(name, cfg, f'{key}.teacher_recorders.{name}')
            else:
                self._add_source('teacher', teacher_recorders, f'{key}.teacher_recorders')
        for name, cfg in (recorders or {}).items():
            self._add_source(name, cfg, f'{key}.recorders.{name}')
        self.distill_losses = self._build_modules(distill_losses, f'{key}.distill_losses')
        self.connectors = self._build_modules(connectors, f'{key}.connectors')
        for name in self.distill_losses:
            if 'loss' not in name:
                raise KDConfigError(
                    f'{key}.distill_losses.{name}: the name must contain "loss" (e.g. '
                    f'"loss_{name}"), or MMEngine would log it without adding it to the loss.')
        self.loss_forward_mappings = MappingChecker(
            self.distill_losses, self.connectors, self.sources, self._source_keys).check(
            loss_forward_mappings or {})
        # Loss-weight multipliers by who sets them (a schedule, a training stage, ...).
        self._factors_by_source: Dict[str, Dict[str, float]] = {}
        self._active: Optional[List[str]] = None
        self._batch_inputs = {
            name: [a for a in BATCH_INPUTS if a in forward_params(loss)]
            for name, loss in self.distill_losses.items()
        }
        self.input_shape = _check_input_shape(input_shape, self.unresolved, key)

    def _add_source(self, name: str, cfg: Optional[dict], key: str) -> None:
        if name in self.sources:
            raise KDConfigError(f'{key}: there is already a record source named {name!r} '
                                f'(from {self._source_keys[name]})')
        self.sources[name] = RecorderManager(cfg, key)
        self._source_keys[name] = key

    # ------------------------------------------------------------------ compatibility views
    @property
    def student_recorders(self) -> RecorderManager:
        return self.sources[STUDENT]

    @property
    def teacher_recorders(self):
        """The ``'teacher'`` source's recorders, or ``name -> recorders`` of every non-student
        source when there are several."""
        others = {n: m for n, m in self.sources.items() if n != STUDENT}
        if list(others) == ['teacher']:
            return others['teacher']
        return others

    @property
    def active_teachers(self) -> List[str]:
        """The non-student sources that ran this step (read-only; see
        :meth:`set_active_sources`)."""
        return [n for n in self.sources if n != STUDENT and self.is_active(n)]

    # ------------------------------------------------------------------ per-step state
    def set_active_sources(self, names: Optional[Sequence[str]]) -> None:
        """Say which sources run this step (e.g. the teacher drawn at random); None: all.
        Mappings that read a list of sources get the records of the active ones; reading a
        single inactive source is an error. The student is always active."""
        if names is not None:
            unknown = [n for n in names if n not in self.sources]
            if unknown:
                raise KDConfigError(f'no record source {unknown[0]!r}; the sources are '
                                    f'{list(self.sources)}')
            names = list(names)
        self._active = names

    def is_active(self, source: str) -> bool:
        return source == STUDENT or self._active is None or source in self._active

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

    # ------------------------------------------------------------------ recording
    def needs(self, source: str) -> bool:
        """Whether a forward pass of ``source`` is needed this step: it is active, some loss
        computed this step reads it, and one of those records comes from a forward pass
        (not only ``Parameter`` recorders)."""
        return self.is_active(source) and self.sources[source].needs_forward and \
            source in sources_read(self.loss_forward_mappings, self.active_losses())

    def record(self, source: str, forward: Callable[[], Any], grad: bool = False,
               required: bool = False) -> Any:
        """Run ``forward()`` (a pass of the model ``source`` names) inside its recorders and
        return its output.

        Unless ``required`` (e.g. a model whose own loss is needed), the pass is skipped
        when :meth:`needs` says nothing reads it this step (the result is then None). A pass
        that the recorders stop early once every record is taken (``stop_when_complete``)
        also returns None. ``grad`` enables gradients for the pass.
        """
        if not required and not self.needs(source):
            return None
        with self.sources[source], torch.set_grad_enabled(grad):
            return forward()

    # ------------------------------------------------------------------ building
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
            modules[name] = (Unresolved(cfg, f'{key}.{name}') if auto_args(cfg)
                             else _build_module(cfg, f'{key}.{name}'))
        return modules

    @property
    def unresolved(self) -> List[str]:
        """The config keys of the connectors and losses whose ``'auto'`` arguments wait for
        :meth:`resolve_auto`."""
        return [m.key for m in (*self.connectors.values(), *self.distill_losses.values())
                if isinstance(m, Unresolved)]

    def resolve_auto(self, models: Dict[str, nn.Module],
                     inputs_for: Callable[[str, torch.Tensor], torch.Tensor]) -> None:
        """Build the components with ``'auto'`` arguments from one probe pass.

        Args:
            models: every record source's model (the student's recorders are installed; the
                others get theirs for the pass only).
            inputs_for: ``(source, inputs) -> that model's inputs`` (its own normalisation).
        """
        if not self.unresolved:
            return
        missing = [s for s in self.sources if s not in models]
        if missing:
            raise KDConfigError(f"{self.unresolved[0]}: 'auto' arguments need every model; "
                                f'{missing} cannot be probed')
        inputs = torch.zeros(2, *self.input_shape)
        installed = [n for n, m in self.sources.items()
                     if not any(r.initialized for r in m.recorders.values())]
        for name in installed:
            self.sources[name].initialize(models[name])
        try:
            with probe_mode(list(models.values())):
                self.set_active_sources([s for s in self.sources if s != STUDENT])
                for name in self.sources:
                    if self.sources[name].needs_forward:
                        self.record(name, lambda: models[name](
                            inputs_for(name, inputs), None, mode='tensor'))
                self._resolve_connectors(models)
                self._resolve_losses()
        finally:
            self.reset_records()
            self.set_active_sources(None)
            for name in installed:
                self.sources[name].remove()
            for manager in self.sources.values():
                manager.forget_pass()

    def _resolve_connectors(self, models: Dict[str, nn.Module]) -> None:
        def records(spec: dict, recorder: str) -> RecordInfo:
            source = spec['sources'][0]
            data = self._fetch(spec, recorder)
            return RecordInfo(data[0] if spec['several_sources'] else data, models[source],
                              self.sources[source].get_recorder(recorder).source)

        uses = connector_uses(self.loss_forward_mappings, records)
        for name, module in self.connectors.items():
            if isinstance(module, Unresolved):
                found = [dict(input=i, target=t) for i, t in uses[name]]
                self.connectors[name] = _build_module(
                    dict(module.cfg, **resolve_args(module.rules, found, module.key)), module.key)

    def _resolve_losses(self) -> None:
        for name, module in self.distill_losses.items():
            if isinstance(module, Unresolved):
                found = {arg: RecordInfo(self.get_record(spec))
                         for arg, spec in self.loss_forward_mappings[name].items()}
                self.distill_losses[name] = _build_module(
                    dict(module.cfg, **resolve_args(module.rules, [found], module.key)),
                    module.key)

    def prepare_from_student(self, model: nn.Module) -> None:
        self.prepare_source(STUDENT, model)

    def prepare_from_teacher(self, model: nn.Module) -> None:
        self.prepare_from_teachers(dict(teacher=model))

    def prepare_from_teachers(self, teachers: Dict[str, nn.Module],
                              served: Sequence[str] = ()) -> None:
        """Install the recorders of every non-student source on the model of that name, and
        give the loaded teachers to connectors that derive something from them. Sources in
        ``served`` get their records otherwise (a cached teacher's, from its cache)."""
        for name in self.sources:
            if name == STUDENT or name in served:
                continue
            if name not in teachers:
                raise KDConfigError(
                    f'{self._source_keys[name]}: there is no teacher {name!r} among the '
                    f"algorithm's models {list(teachers)}. " + suggest(name, teachers))
            self.prepare_source(name, teachers[name])
        self.init_connectors_from_teachers(dict(teachers))

    def prepare_source(self, name: str, model: nn.Module) -> None:
        """Install the recorders of source ``name`` on ``model``."""
        self.sources[name].initialize(model)

    def init_connectors_from_teachers(self, teachers: dict) -> None:
        """Give the loaded teachers to the connectors and losses that declare they derive
        something from them (``teacher_needs.loaded_teachers``, e.g. ``OFDTeacherConnector``'s
        margins, ``WKDLogitLoss``'s class costs), by their ``init_from_teachers(teachers,
        key)``."""
        for kind, modules in (('connectors', self.connectors),
                              ('distill_losses', self.distill_losses)):
            for name, module in modules.items():
                if teacher_needs(module).loaded_teachers:
                    module.init_from_teachers(teachers, f'model.distiller.{kind}.{name}')

    def set_early_exit(self, source: str, on: bool) -> None:
        """Stop passes of ``source`` once every record of it is taken (frozen models)."""
        self.sources[source].stop_when_complete = on

    def remove_recorders(self) -> None:
        for manager in self.sources.values():
            manager.remove()

    def reset_records(self) -> None:
        """Drop this step's records so they do not hold memory until the next step."""
        for manager in self.sources.values():
            manager.reset_data_buffer()

    # ------------------------------------------------------------------ losses
    def _record_of(self, source: str, spec: dict, recorder: str) -> Any:
        return self.sources[source].get_recorder(recorder).get_record_data(
            spec['record_idx'], spec['data_idx'])

    def _fetch(self, spec: dict, recorder: str) -> Any:
        if spec['several_sources']:
            return [self._record_of(s, spec, recorder) for s in spec['sources']
                    if self.is_active(s)]
        source = spec['sources'][0]
        if not self.is_active(source):
            raise KDConfigError(
                f'teacher {source!r} did not run in this step (the algorithm ran '
                f'{self.active_teachers}); with teacher_selection="random", read teachers '
                'through a list, teacher=[...] or "all"')
        return self._record_of(source, spec, recorder)

    def get_record(self, spec: dict) -> Any:
        """The record a mapping names, through its connector(s). A list of recorders gives a
        tuple of records in that order; one connector then receives the whole tuple (e.g. a
        fusion over stages), a list of connectors applies one per record."""
        if isinstance(spec['recorder'], tuple):
            data = tuple(self._fetch(spec, r) for r in spec['recorder'])
            if isinstance(spec['connector'], tuple):
                return tuple(d if c is None else self._connect(c, d, spec)
                             for c, d in zip(spec['connector'], data))
        else:
            data = self._fetch(spec, spec['recorder'])
        if spec['connector'] is None:
            return data
        return self._connect(spec['connector'], data, spec)

    def _connect(self, name: str, data: Any, spec: dict) -> Any:
        base, _, view = name.partition('.')
        connector = getattr(self.connectors[base], view) if view else self.connectors[base]
        try:
            return [connector(d) for d in data] if spec['several_sources'] else connector(data)
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


def _build_module(cfg: dict, key: str) -> nn.Module:
    try:
        # Each connector's (and loss state's) initial values depend on the run's seed and its
        # own name only, whatever else the algorithm builds (and whether it was 'auto').
        with seeded_component(seed_key(key)):
            return MODELS.build(cfg)
    except (TypeError, ValueError) as e:
        raise KDConfigError(f'{key}: {e}. {cfg["type"]} takes '
                            f'{_init_params(MODELS.get(cfg["type"]))}.') from e


def _check_input_shape(shape: Any, unresolved: List[str], key: str) -> Optional[tuple]:
    if shape is None:
        if unresolved:
            raise KDConfigError(
                f"{unresolved[0]} has 'auto' arguments, read from one probe pass of every "
                f'model: give {key}.input_shape, the shape (C, H, W) of one input image, e.g. '
                '(3, 32, 32) on CIFAR')
        return None
    if (not isinstance(shape, (list, tuple)) or not shape
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
        raise KDConfigError(f'{key}.input_shape must be the shape (C, H, W) of one input image, '
                            f'positive ints, got {shape!r}')
    return tuple(shape)


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
        side = ', '.join(spec['sources'])
        via = f' via connector {spec["connector"]!r}' if spec['connector'] else ''
        parts.append(f'{arg} = {side} recorder {spec["recorder"]!r}{via}, shape {shape}')
    return '; '.join(parts)
