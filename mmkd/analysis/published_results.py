"""Every digits number the docs publish, rendered from one file.

``docs/results/digits.json`` is what the benchmark harness published
(:func:`mmkd.analysis.benchmark.publish`). In ``README.md``, ``docs/*.md`` and
``configs/*/README.md`` each published number sits between markers::

    <!-- results: value kd_convnet-teacher_convnet-student_digits -->95.62 ± 0.84<!-- /results -->

and :func:`render_all` rewrites what is between them from the file, so the README, the method
READMEs and ``docs/results_digits.md`` cannot disagree. Kinds:

- ``value CONFIG [last|best|MODEL]``: mean ± std over seeds of the last (default) or best
  epoch, or the last epoch of another model the runs validated (``peer2``, ``exit1``);
- ``table [CONFIG ...]``: the harness's table, for the named configs or all of them;
- ``method CONFIG``: the sentence of a method README (the student alone, vanilla KD, this
  method);
- ``demo``: the README's table of the demo (teacher, student alone, student + KD, per seed).
"""
import glob
import json
import os.path as osp
import re
from typing import Dict, List

from mmkd.utils.config_errors import KDConfigError

MARKER = re.compile(r'<!-- results: (?P<spec>[^>]*?) -->(?P<body>.*?)<!-- /results -->', re.S)
SOURCE = 'docs/results/digits.json'
TEACHER = 'teacher_convnet_digits'
STUDENT = 'student_convnet_digits'
KD = 'kd_convnet-teacher_convnet-student_digits'
DEMO_ROWS = ((TEACHER, 'teacher (CNN 64-128, 2 convs per stage, 261k params)'),
             (STUDENT, 'student alone (CNN 8-16, 1 conv per stage, 1.4k params)'),
             (KD, 'student + KD (τ=4, 0.9 KD + 0.1 CE)'))


def documents(root: str) -> List[str]:
    """The files whose numbers come from the published results."""
    return ([osp.join(root, 'README.md')] + sorted(glob.glob(osp.join(root, 'docs', '*.md')))
            + sorted(glob.glob(osp.join(root, 'configs', '*', 'README.md'))))


def _row(data: dict, name: str, where: str) -> dict:
    try:
        return data['table'][name]
    except KeyError:
        raise KDConfigError(f'{where}: {SOURCE} has no results for {name!r}; it has '
                            f'{sorted(data["table"])}') from None


def _value(row: dict, which: str = 'last') -> str:
    return f'{row[which]["mean"]:.2f} ± {row[which]["std"]:.2f}'


def _seeds(data: dict) -> str:
    seeds = data['protocol'].get('seeds') or []
    return ', '.join(map(str, seeds))


def render(spec: str, data: dict, where: str) -> str:
    """The text of one marker (``where`` names the file, for errors)."""
    kind, *args = spec.split()
    if kind == 'value':
        if not 1 <= len(args) <= 2:
            raise KDConfigError(f'{where}: "value CONFIG [last|best|MODEL]", got {spec!r}')
        row = _row(data, args[0], where)
        which = args[1] if len(args) == 2 else 'last'
        if which in ('last', 'best'):
            return _value(row, which)
        if which not in row.get('models', {}):
            raise KDConfigError(f'{where}: {SOURCE} has no model {which!r} for {args[0]}; it '
                                f'has {sorted(row.get("models", {}))} (and last, best)')
        return _value(row['models'], which)
    if kind == 'table':
        from .benchmark import to_markdown
        names = args or list(data['table'])
        return '\n' + to_markdown({n: _row(data, n, where) for n in names},
                                  data.get('metric', 'accuracy/top1'))
    if kind == 'method':
        if len(args) != 1:
            raise KDConfigError(f'{where}: "method CONFIG", got {spec!r}')
        row = _row(data, args[0], where)
        return ('\nTest top-1 on the shipped digits (`' + SOURCE + '`: seeds '
                f'{_seeds(data)}, {"/".join(map(str, row["epochs"]))} epochs, mean ± std of '
                f'the last epoch): student alone {_value(_row(data, STUDENT, where))}, '
                f'vanilla KD {_value(_row(data, KD, where))}, this method '
                f'**{_value(row)}** (best epoch: {_value(row, "best")}).\n')
    if kind == 'demo':
        lines = ['', '| model | test top-1, mean ± std | per seed |', '|---|---|---|']
        for name, label in DEMO_ROWS:
            row = _row(data, name, where)
            value = _value(row) if name != KD else f'**{_value(row)}**'
            lines.append(f'| {label} | {value} | '
                         + ' '.join(f'{r["last"]:.2f}' for r in row['runs']) + ' |')
        return '\n'.join(lines) + '\n'
    raise KDConfigError(f'{where}: unknown results marker {spec!r}; kinds: value, table, '
                        'method, demo')


def render_text(text: str, data: dict, where: str) -> str:
    return MARKER.sub(lambda m: f'<!-- results: {m["spec"]} -->'
                                f'{render(m["spec"], data, where)}<!-- /results -->', text)


def render_all(root: str, results: str, check: bool = False) -> List[str]:
    """Rewrite every marker of :func:`documents` from ``results``; returns the files that
    changed (with ``check``, that would change: nothing is written)."""
    with open(results) as f:
        data = json.load(f)
    changed = []
    for path in documents(root):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        new = render_text(text, data, osp.relpath(path, root))
        if new != text:
            changed.append(path)
            if not check:
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(new)
    return changed


def markers(root: str) -> Dict[str, List[str]]:
    """file -> the marker specs it holds."""
    found = {}
    for path in documents(root):
        with open(path, encoding='utf-8') as f:
            specs = [m['spec'] for m in MARKER.finditer(f.read())]
        if specs:
            found[path] = specs
    return found
