"""Connector and loss arguments written ``'auto'``: read from the records of one probe pass.

A connector's widths are those of the records it joins: ``ConvModuleConnector(in_channel,
out_channel)`` maps the channels of the record it receives to those of the record of the
other model that its output is compared with. Writing them by hand ties a config to one pair
of networks; with ``'auto'`` one config serves every pair. A component declares which of its
arguments may be ``'auto'`` and where each is read, in a class attribute ``shape_args``
(argument -> rule):

* a connector's rules read ``input`` (the record it receives; a tuple of records gives a list
  of values) or ``target`` (the raw record, of the other side of the same loss, that its
  output is compared with): ``'input.channels'``, ``'target.size'``, ...;
* a loss's rules read one of its ``forward`` arguments as mapped (after connectors):
  ``'preds_S.channels'``;
* the value read is ``channels`` (dim 1 of a map (B, C, H, W) or a vector (B, C); the last
  dim of a token sequence (B, N, C)), ``size`` (the spatial size: ``H`` of a square map,
  ``(H, W)`` otherwise, 1 for a vector) or ``pre_relu_norm`` (the module path of the
  BatchNorm before the ReLU at the recorded point, from the backbone's table: a backbone
  with a ``pre_relu_norm(path)`` method, such as the CIFAR zoo's ``TappedBackbone``).

The distiller then needs ``input_shape`` (one input image, ``(C, H, W)``): when the algorithm
has built its models, every model runs once, in eval mode and without gradients, on zeros of
that shape; the pending components are built from what was recorded, with the seed their
name gives them (so they start from the weights an explicit config gives), before any
optimizer or checkpoint sees the model. A teacher that is not built (cached, or a
``student_only`` algorithm) is probed through its architecture without weights.
"""
import inspect
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError

AUTO = 'auto'
QUANTITIES = ('channels', 'size', 'pre_relu_norm')


def auto_args(cfg: dict) -> List[str]:
    """The arguments of a component config written ``'auto'``."""
    return [k for k, v in cfg.items() if isinstance(v, str) and v == AUTO]


@dataclass
class RecordInfo:
    """What a probe pass tells of one record: its tensor, the model it came from and the
    module path its recorder reads (None after a connector)."""
    tensor: Any
    model: Optional[nn.Module] = None
    path: Optional[str] = None

    def read(self, quantity: str, where: str) -> Any:
        t = self.tensor
        if not isinstance(t, torch.Tensor) or t.dim() < 2:
            raise KDConfigError(f'{where}: the record is not a batch of features '
                                f'({type(t).__name__}); give the value explicitly')
        if quantity == 'channels':  # a transformer's tokens (B, N, C) have C channels
            return int(t.shape[-1] if t.dim() == 3 else t.shape[1])
        if quantity == 'size':
            spatial = tuple(int(s) for s in t.shape[2:])
            if not spatial:
                return 1
            return spatial[0] if len(set(spatial)) == 1 else spatial
        return self.pre_relu_norm(where)

    def pre_relu_norm(self, where: str) -> str:
        parts = (self.path or '').split('.')
        for i in range(len(parts) - 1, 0, -1):
            prefix = '.'.join(parts[:i])
            try:
                owner = self.model.get_submodule(prefix)
            except AttributeError:
                continue
            if hasattr(owner, 'pre_relu_norm'):
                return f'{prefix}.{owner.pre_relu_norm(".".join(parts[i:]))}'
        raise KDConfigError(
            f"{where}: the BatchNorm before the ReLU at {self.path!r} is read from the "
            "backbone's table (a backbone with pre_relu_norm(), such as the CIFAR zoo's); "
            f'{type(self.model).__name__} has none there: give the module path explicitly')


Record = Union[RecordInfo, Tuple[RecordInfo, ...]]


def read_rule(rule: str, records: Dict[str, Optional[Record]], where: str) -> Any:
    """The value ``rule`` (``'<record>.<quantity>'``) reads from ``records``; a tuple of
    records gives a list of values."""
    name, _, quantity = rule.partition('.')
    record = records.get(name)
    if record is None:
        raise KDConfigError(
            f"{where}='auto' reads the {quantity} of the {name} record, and there is none: "
            + ('the output of this connector is compared with no record of the other model in '
               'its losses' if name == 'target' else f'{name} is not mapped')
            + '; give the value explicitly')
    if isinstance(record, tuple):
        return [r.read(quantity, where) for r in record]
    return record.read(quantity, where)


def check_rules(cls: type, cfg: dict, key: str) -> Dict[str, str]:
    """The rules of the ``'auto'`` arguments of ``cfg`` (a ``cls`` config at ``key``)."""
    rules = getattr(cls, 'shape_args', {})
    for arg in auto_args(cfg):
        if arg not in rules:
            raise KDConfigError(
                f"{key}.{arg}='auto': {cls.__name__} cannot read {arg} from the records; "
                + (f'its arguments that may be auto are {sorted(rules)}' if rules else
                   'none of its arguments may be auto') + f'. Give {arg} explicitly.')
    for arg, rule in rules.items():
        if rule.partition('.')[2] not in QUANTITIES:  # a mistake in the component, not the config
            raise TypeError(f'{cls.__name__}.shape_args[{arg!r}]={rule!r}: the quantity must '
                            f'be one of {QUANTITIES}')
    return {arg: rules[arg] for arg in auto_args(cfg)}


class Unresolved(nn.Module):
    """Stands in for a connector or loss with ``'auto'`` arguments until the distiller
    resolves them: it shows the mapping checks what they read of the component (its
    ``forward``'s arguments, its views) and is never run."""

    def __init__(self, cfg: dict, key: str) -> None:
        super().__init__()
        self.cfg, self.key = dict(cfg), key
        self.cls = MODELS.get(cfg['type'])
        self.rules = check_rules(self.cls, self.cfg, key)
        self.views = getattr(self.cls, 'views', ())

    def forward_params(self) -> Dict[str, Any]:
        params = list(inspect.signature(self.cls.forward).parameters.values())[1:]
        return {p.name: p.default for p in params
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    def forward(self, *args, **kwargs):
        raise RuntimeError(f"{self.key} has 'auto' arguments that were never resolved")


def connector_uses(mappings: Dict[str, Dict[str, dict]], records) -> Dict[str, List[tuple]]:
    """For every connector, what each use gives it: ``(input, target)`` records.

    ``records(spec, recorder)`` returns the :class:`RecordInfo` of one recorder of a mapping
    entry. The target of a connector on one side of a loss is the raw record of the only
    argument of that loss read from the other side (the student's against the others').
    """
    uses: Dict[str, List[tuple]] = {}
    for mapping in mappings.values():
        raw = {arg: _raw(spec, records) for arg, spec in mapping.items()}
        for arg, spec in mapping.items():
            if spec['connector'] is None:
                continue
            student_side = 'student' in spec['sources']
            others = [a for a, s in mapping.items() if ('student' in s['sources']) != student_side]
            target = raw[others[0]] if len(others) == 1 else None
            if isinstance(spec['connector'], tuple):
                for i, name in enumerate(spec['connector']):
                    if name is not None:
                        uses.setdefault(name.partition('.')[0], []).append(
                            (raw[arg][i], _element(target, i, len(spec['connector']))))
            else:
                uses.setdefault(spec['connector'].partition('.')[0], []).append((raw[arg], target))
    return uses


def _raw(spec: dict, records) -> Record:
    if isinstance(spec['recorder'], tuple):
        return tuple(records(spec, r) for r in spec['recorder'])
    return records(spec, spec['recorder'])


def _element(target: Optional[Record], i: int, n: int) -> Optional[Record]:
    if isinstance(target, tuple) and len(target) == n:
        return target[i]
    return target


def resolve_args(rules: Dict[str, str], uses: Sequence[Dict[str, Optional[Record]]],
                 key: str) -> Dict[str, Any]:
    """The value of every ``'auto'`` argument, the same in every use of the component."""
    values = {}
    for arg, rule in rules.items():
        found = [read_rule(rule, records, f'{key}.{arg}') for records in uses]
        if any(v != found[0] for v in found[1:]):
            raise KDConfigError(f"{key}.{arg}='auto' reads different values in the mappings "
                                f'that use it ({found}); give it explicitly')
        values[arg] = found[0]
    return values


class probe_mode:
    """Models in eval mode without gradients for a probe pass; their modes restored after."""

    def __init__(self, models: Sequence[nn.Module]) -> None:
        self.modes = [(m, m.training) for model in models for m in model.modules()]
        self.no_grad = torch.no_grad()

    def __enter__(self) -> None:
        for module, _ in self.modes:
            module.training = False
        self.no_grad.__enter__()

    def __exit__(self, *exc) -> None:
        self.no_grad.__exit__(*exc)
        for module, mode in self.modes:
            module.training = mode
