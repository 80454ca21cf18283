"""Parsing and checking ``loss_forward_mappings``: which records (of which model) feed each
argument of each distillation loss. Everything here runs once, when the distiller is built."""
import inspect
from typing import Any, Dict, List, Sequence, Tuple

import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError, check_keys, suggest
from ..recorders import RecorderManager
from .shape_inference import Unresolved

# Inputs a loss may ask for by name that the distiller takes from the batch itself.
BATCH_INPUTS = ('gt_labels', 'data_samples')
MAPPING_KEYS = ('recorder', 'source', 'from_student', 'teacher', 'record_idx', 'data_idx',
                'connector')
STUDENT = 'student'
KEY = 'model.distiller.loss_forward_mappings'


def forward_params(loss: nn.Module) -> Dict[str, Any]:
    """``forward``'s named arguments and their defaults (those of the component an
    :class:`~.shape_inference.Unresolved` stands for)."""
    if isinstance(loss, Unresolved):
        return loss.forward_params()
    sig = inspect.signature(loss.forward)
    return {n: p.default for n, p in sig.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


class MappingChecker:
    """Checks a distiller's mappings against its losses, connectors and record sources, and
    returns them normalised.

    A normalised entry is ``dict(recorder=name or tuple of names, sources=tuple of source
    names, several_sources=bool, record_idx, data_idx, connector=name, tuple or None)``.
    The source of an entry is named by ``source`` (``'student'``, ``'teacher'``, a teacher's
    or peer's name, a list of names, or ``'all'`` for every source but the student), or by
    the shorthand ``from_student=True`` (``'student'``) / ``from_student=False`` (the only
    other source, or the one ``teacher=`` names: the multi-teacher form).
    """

    def __init__(self, losses: nn.ModuleDict, connectors: nn.ModuleDict,
                 sources: Dict[str, RecorderManager], source_keys: Dict[str, str]) -> None:
        self.losses, self.connectors, self.sources = losses, connectors, sources
        # where each source's recorders are configured, for error messages
        self.source_keys = source_keys

    def check(self, mappings: Any) -> Dict[str, Dict[str, dict]]:
        if not isinstance(mappings, dict):
            raise KDConfigError(f'{KEY} must be a dict, got {mappings!r}')
        for name in mappings:
            if name not in self.losses:
                raise KDConfigError(
                    f'{KEY}.{name}: there is no loss {name!r} in model.distiller.distill_losses. '
                    + suggest(name, self.losses))
        used_connectors = set()
        checked: Dict[str, Dict[str, dict]] = {}
        for name, loss in self.losses.items():
            params = forward_params(loss)
            mapping = mappings.get(name)
            if mapping is None:
                raise KDConfigError(
                    f'{KEY}.{name} is missing: map the inputs '
                    f'{[p for p in params if p not in BATCH_INPUTS]} of '
                    f'{type(loss).__name__}.forward to recorders.')
            if not isinstance(mapping, dict):
                raise KDConfigError(f'{KEY}.{name} must be a dict of forward argument -> record '
                                    f'spec, got {mapping!r}')
            checked[name] = {}
            for arg, spec in mapping.items():
                where = f'{KEY}.{name}.{arg}'
                if arg in BATCH_INPUTS:
                    raise KDConfigError(
                        f'{where}: {arg} comes from the batch; remove it from the mapping.')
                if arg not in params:
                    raise KDConfigError(
                        f'{where}: {type(loss).__name__}.forward has no argument {arg!r}; it '
                        f'takes {list(params)}. ' + suggest(arg, params))
                checked[name][arg] = self.check_spec(spec, where)
                named = checked[name][arg]['connector']
                used_connectors.update(c.partition('.')[0] for c in (
                    named if isinstance(named, tuple) else (named, )) if c is not None)
            missing = [p for p, d in params.items()
                       if d is inspect.Parameter.empty and p not in BATCH_INPUTS
                       and p not in mapping]
            if missing:
                raise KDConfigError(
                    f'{KEY}.{name} does not map {missing}, which '
                    f'{type(loss).__name__}.forward needs.')
        unused = [c for c in self.connectors if c not in used_connectors]
        if unused:
            raise KDConfigError(
                f'model.distiller.connectors {unused} are not used by any mapping in {KEY}; '
                'name them with connector=... or remove them (unused trainable parameters '
                'also break DistributedDataParallel).')
        return checked

    def check_spec(self, spec: Any, where: str) -> dict:
        if not isinstance(spec, dict):
            raise KDConfigError(f'{where} must be a dict(recorder=..., source=...), got {spec!r}')
        check_keys(spec, MAPPING_KEYS, where)
        if 'recorder' not in spec:
            raise KDConfigError(f'{where} needs "recorder" (the name of a recorder)')
        sources, several = self.resolve_sources(spec, where)
        recorder = spec['recorder']
        several_records = isinstance(recorder, (list, tuple))
        names = list(recorder) if several_records else [recorder]
        if not names or not all(isinstance(n, str) for n in names):
            raise KDConfigError(f'{where}.recorder must be a recorder name or a non-empty list '
                                f'of names, got {recorder!r}')
        for source in sources:
            for i, name in enumerate(names):
                if name not in self.sources[source].recorders:
                    at = f'{where}.recorder[{i}]' if several_records else f'{where}.recorder'
                    raise KDConfigError(
                        f'{at}={name!r} is not in {self.source_keys[source]}. '
                        + suggest(name, self.sources[source].recorders))
        record_idx, data_idx = spec.get('record_idx', 0), spec.get('data_idx')
        if not isinstance(record_idx, int) or isinstance(record_idx, bool) or record_idx < 0:
            raise KDConfigError(f'{where}.record_idx must be an int >= 0, got {record_idx!r}')
        if data_idx is not None and (not isinstance(data_idx, int) or isinstance(data_idx, bool)):
            raise KDConfigError(f'{where}.data_idx must be an int or None, got {data_idx!r}')
        connector = spec.get('connector')
        connectors = list(connector) if isinstance(connector, (list, tuple)) else [connector]
        if isinstance(connector, (list, tuple)):
            if not several_records or len(connectors) != len(names):
                raise KDConfigError(
                    f'{where}.connector: a list of connectors goes with a list of recorders of '
                    f'the same length (one per record, None for none); got {len(connectors)} '
                    f'connectors for recorder={recorder!r}')
            connector = tuple(connectors)
        for c in connectors:
            if c is not None:
                self.check_connector(c, f'{where}.connector')
        return dict(recorder=tuple(names) if several_records else recorder, sources=sources,
                    several_sources=several, record_idx=record_idx, data_idx=data_idx,
                    connector=connector)

    def resolve_sources(self, spec: dict, where: str) -> Tuple[Tuple[str, ...], bool]:
        """The source names an entry reads, and whether it reads several (a list of records,
        one per source that ran this step)."""
        others = [s for s in self.sources if s != STUDENT]
        if 'source' in spec:
            if 'from_student' in spec or 'teacher' in spec:
                raise KDConfigError(f'{where}: give either source=... or from_student/teacher, '
                                    'not both')
            names = spec['source']
        else:
            if 'from_student' not in spec:
                raise KDConfigError(
                    f'{where} needs source=... (one of {list(self.sources)}, a list, or "all") '
                    'or from_student=True/False')
            if not isinstance(spec['from_student'], bool):
                raise KDConfigError(f'{where}.from_student must be True or False')
            if spec['from_student']:
                if 'teacher' in spec:
                    raise KDConfigError(f'{where}.teacher only goes with from_student=False')
                names = STUDENT
            elif 'teacher' in spec:
                names = spec['teacher']
            elif len(others) == 1:
                names = others[0]
            else:
                raise KDConfigError(
                    f'{where}.teacher is missing: name one of {others}, a list of them, or "all"')
        several = names == 'all' or isinstance(names, (list, tuple))
        listed = others if names == 'all' else (list(names) if several else [names])
        if not listed:
            raise KDConfigError(f'{where}: no record source to read')
        key = 'source' if 'source' in spec else 'teacher'
        for name in listed:
            if name not in self.sources:
                raise KDConfigError(
                    f'{where}.{key}={name!r} is not a record source of this distiller; the '
                    f'sources are {list(self.sources)}. ' + suggest(str(name), self.sources))
        return tuple(listed), several

    def check_connector(self, name: Any, where: str) -> None:
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


def sources_read(mappings: Dict[str, Dict[str, dict]], losses: Sequence[str]) -> List[str]:
    """The sources that the given losses' mappings read."""
    found: List[str] = []
    for name in losses:
        for spec in mappings[name].values():
            found.extend(s for s in spec['sources'] if s not in found)
    return found
