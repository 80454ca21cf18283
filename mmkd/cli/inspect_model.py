"""Find the layers to distil: ``tools/analysis/inspect_model.py CONFIG`` (or ``mmkd-inspect``).

For the student and the teacher(s) of a distillation config (or the model of any config), runs
one forward pass on a sample input and prints every module path a recorder can tap, with its
output shape, how many times it runs per forward (so ``record_idx`` is never a guess), whether
its output is the input of a ReLU (a pre-ReLU feature, as AB and OFD need) and whether a later
in-place operation changes it (``out += identity`` after a BN: record it with ``ModuleOutputs``,
which copies, or take the ReLU's input with ``ModuleInputs``). With ``--student-tap`` and
``--teacher-tap`` it suggests the connector that maps the first onto the second.
"""
import argparse
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn

import mmkd  # noqa: F401  (registries, mmkd:: configs)
from .common import load_config, run_cli


def _shape(x) -> Optional[Tuple]:
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, torch.Tensor) for t in x):
        return tuple(tuple(t.shape) for t in x)
    return None


def inspect_module(model: nn.Module, inputs: torch.Tensor) -> Dict[str, dict]:
    """Per module path: type, calls per forward, first output shape, pre-ReLU, changed later."""
    rows: Dict[str, dict] = OrderedDict()
    # id(tensor) -> (tensor, [(module name, version when it returned the tensor)]); a tensor that
    # passes through an Identity (or drop-path at rate 0) belongs to several modules
    outputs = {}
    handles = []

    def after(name):
        def hook(module, args, output):
            row = rows.setdefault(name, dict(type=type(module).__name__, calls=0, shape=None,
                                             pre_relu=False, changed_later=False))
            row['calls'] += 1
            if row['shape'] is None:
                row['shape'] = _shape(output)
            if isinstance(output, torch.Tensor):
                outputs.setdefault(id(output), (output, []))[1].append((name, output._version))
        return hook

    def before_relu(module, args):
        if args and isinstance(args[0], torch.Tensor) and id(args[0]) in outputs:
            for name, _ in outputs[id(args[0])][1]:
                rows[name]['pre_relu'] = True

    for name, module in model.named_modules():
        if not name:
            continue
        handles.append(module.register_forward_hook(after(name)))
        if isinstance(module, (nn.ReLU, nn.ReLU6, nn.LeakyReLU)):
            handles.append(module.register_forward_pre_hook(before_relu))
    try:
        model.eval()
        with torch.no_grad():
            model(inputs, mode='tensor') if _takes_mode(model) else model(inputs)
    finally:
        for h in handles:
            h.remove()
    for tensor, owners in outputs.values():
        for name, version in owners:
            if tensor._version != version:
                rows[name]['changed_later'] = True
    return rows


def _takes_mode(model: nn.Module) -> bool:
    import inspect
    return 'mode' in inspect.signature(model.forward).parameters


def suggest_connector(student_shape: Tuple, teacher_shape: Tuple) -> Optional[dict]:
    """A connector config mapping a student record of ``student_shape`` to ``teacher_shape``
    (None when they already match)."""
    if tuple(student_shape) == tuple(teacher_shape):
        return None
    if len(student_shape) == 2 and len(teacher_shape) == 2:
        return dict(type='LinearConnector', in_channels=student_shape[1],
                    out_channels=teacher_shape[1])
    if len(student_shape) == 3 and len(teacher_shape) == 4:
        # a transformer student's tokens against a CNN teacher's map
        return dict(type='TokensToMap', in_channels=student_shape[2],
                    out_channels=teacher_shape[1], out_size=tuple(teacher_shape[2:]),
                    num_prefix_tokens=_prefix_tokens(student_shape[1]))
    if len(student_shape) == 4 and len(teacher_shape) == 3:
        # a CNN student's map against a transformer teacher's tokens: the teacher side first
        # becomes a map (TokensToMap without projection, on the teacher), then this
        n = teacher_shape[1] - _prefix_tokens(teacher_shape[1])
        g = int(round(n**0.5))
        return dict(type='ConvModuleConnector', in_channel=student_shape[1],
                    out_channel=teacher_shape[2], kernel_size=1, norm_cfg=dict(type='BN'),
                    act_cfg=None, note=(
                        f"the teacher's tokens through dict(type='TokensToMap', in_channels="
                        f'{teacher_shape[2]}, num_prefix_tokens='
                        f'{_prefix_tokens(teacher_shape[1])}) (a {g}x{g} map); pool the '
                        f'student map to {g}x{g} if it differs'))
    if len(student_shape) != 4 or len(teacher_shape) != 4:
        return dict(type='LinearConnector', in_channels=int(torch.tensor(student_shape[1:]).prod()),
                    out_channels=int(torch.tensor(teacher_shape[1:]).prod()))
    (cs, hs, ws), (ct, ht, wt) = student_shape[1:], teacher_shape[1:]
    cfg = dict(type='ConvModuleConnector', in_channel=cs, out_channel=ct, kernel_size=1,
               norm_cfg=dict(type='BN'), act_cfg=None)
    if (hs, ws) == (2 * ht, 2 * wt):  # student map twice the teacher's: strided conv
        cfg.update(kernel_size=3, stride=2, padding=1)
    elif (2 * hs, 2 * ws) == (ht, wt):  # half: transposed conv
        cfg.update(kernel_size=4, stride=2, padding=1, conv_cfg=dict(type='deconv'))
    elif (hs, ws) != (ht, wt):
        return dict(type='PoolConnector', output_size=(ht, wt), note=(
            f'spatial sizes {hs}x{ws} and {ht}x{wt}: pool (or interpolate) the student map, '
            f'then a ConvModuleConnector {cs} -> {ct} channels'))
    return cfg


def _prefix_tokens(num_tokens: int) -> int:
    """The prefix tokens (class, distillation) of a sequence of ``num_tokens``: the fewest
    (0, 1 or 2) that leave a square grid of patches; 1 when none does."""
    for prefix in (0, 1, 2):
        n = num_tokens - prefix
        if n > 0 and int(round(n**0.5))**2 == n:
            return prefix
    return 1


def models_of(cfg) -> List[Tuple[str, nn.Module]]:
    """(name, model) for the student and each other model of a distillation config (its
    algorithm's ``models_in_config``: teachers, peers, ...), else the config's model."""
    from mmkd.models.algorithms import BaseAlgorithm
    from mmkd.models.utils import build_model
    from mmkd.models.utils.model_builder import algorithm_class
    model = cfg.model
    cls = algorithm_class(model)
    if not issubclass(cls, BaseAlgorithm):
        return [('model', build_model(model.to_dict(), 'model'))]
    out = []
    for name, entry in cls.models_in_config(model).items():
        if entry.config is not None:
            config = entry.config.to_dict() if hasattr(entry.config, 'to_dict') else entry.config
            out.append((name, build_model(config, entry.key)))
    return out


def sample_input(cfg, size: Optional[List[int]]) -> torch.Tensor:
    from mmkd.models.utils.model_builder import algorithm_data_preprocessor
    pre = algorithm_data_preprocessor(cfg) or {}
    channels = len(pre.get('mean', [0, 0, 0]))
    h, w = (size * 2)[:2] if size else ((8, 8) if channels == 1 else (32, 32))
    return torch.randn(2, channels, h, w)


def format_table(title: str, rows: Dict[str, dict]) -> str:
    lines = [f'== {title}', f'{"module":48s} {"type":24s} {"calls":>5s}  {"output":28s} notes']
    for name, row in rows.items():
        notes = []
        if row['pre_relu']:
            notes.append('pre-ReLU')
        if row['changed_later']:
            notes.append('changed in place later (ModuleOutputs copies it)')
        lines.append(f'{name:48s} {row["type"][:24]:24s} {row["calls"]:5d}  '
                     f'{str(row["shape"]):28s} {", ".join(notes)}')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a distillation config or a model config')
    parser.add_argument('--input-size', type=int, nargs='+', metavar='H [W]',
                        help='sample input size (default: 8 for 1-channel data, else 32)')
    parser.add_argument('--student-tap', help='a student module path, with --teacher-tap')
    parser.add_argument('--teacher-tap', help='a teacher module path, with --student-tap')
    args = parser.parse_args(argv)
    if bool(args.student_tap) != bool(args.teacher_tap):
        parser.error('--student-tap and --teacher-tap go together')
    cfg = load_config(args.config)
    inputs = sample_input(cfg, args.input_size)
    tables = {}
    for name, model in models_of(cfg):
        # a generator (data-free distillation) reads its noise, not images
        x = model.sample_noise(2) if callable(getattr(model, 'sample_noise', None)) else inputs
        tables[name] = inspect_module(model, x)
        print(format_table(f'{name}: {type(model).__name__}, input {tuple(x.shape)}',
                           tables[name]))
        print()
    if args.student_tap:
        from mmkd.utils.config_errors import KDConfigError, suggest
        # the teacher's side: the first model of the algorithm after the student
        teacher = next((t for n, t in tables.items() if n != 'student'), None)
        for side, tap, table in (('student', args.student_tap, tables.get('student')),
                                 ('teacher', args.teacher_tap, teacher)):
            if table is None or tap not in table:
                raise KDConfigError(f'--{side}-tap {tap!r} is not a module of the {side}. '
                                    + suggest(tap, table or {}))
        s_shape, t_shape = tables['student'][args.student_tap]['shape'], \
            teacher[args.teacher_tap]['shape']
        connector = suggest_connector(s_shape, t_shape)
        print(f'student {args.student_tap} {s_shape} -> teacher {args.teacher_tap} {t_shape}')
        print('connector: ' + ('none needed' if connector is None else repr(connector)))


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
