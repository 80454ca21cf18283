"""Training curves of MMEngine work dirs: the loss terms and validation metrics per epoch.

MMEngine's ``LocalVisBackend`` writes every logged line as JSON into
``WORK_DIR/<timestamp>/vis_data/scalars.json``; a resumed run adds another timestamp folder.
Training lines carry ``epoch`` (or only ``iter``/``step`` in iteration-based runs) and the loss
terms; validation lines carry the metrics and ``step`` (the epoch, or the iteration).
"""
import glob
import json
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence

TRAIN_SKIP = ('lr', 'time', 'data_time', 'memory', 'epoch', 'iter', 'step', 'base_lr')


def scalar_records(work_dir: str) -> List[dict]:
    """Every JSON line of every ``scalars.json`` of a work dir, oldest run first."""
    records = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:  # blank, or a run still writing its last line
                    continue
    return records


def read_curves(work_dir: str) -> Dict[str, Dict[str, Dict[int, float]]]:
    """``dict(train={key: {epoch: mean over its logged iterations}}, val={metric: {epoch:
    value}})`` of a work dir; later lines win for the same epoch (after a resume). In an
    iteration-based run, "epoch" is the logged iteration."""
    train: Dict[str, Dict[int, List[float]]] = {}
    val: Dict[str, Dict[int, float]] = {}
    for record in scalar_records(work_dir):
        is_train = 'lr' in record or any('loss' in k for k in record)
        step = record.get('epoch', record.get('step'))
        if step is None:
            continue
        for key, value in record.items():
            if not isinstance(value, (int, float)) or key in TRAIN_SKIP:
                continue
            if is_train:
                train.setdefault(key, {}).setdefault(int(step), []).append(float(value))
            else:
                val.setdefault(key, {})[int(step)] = float(value)
    return dict(train={k: {e: statistics.mean(v) for e, v in sorted(d.items())}
                       for k, d in train.items()},
                val={k: dict(sorted(d.items())) for k, d in val.items()})


def plot_curves(runs: Dict[str, dict], path: str, keys: Optional[Sequence[str]] = None,
                title: str = '') -> List[str]:
    """One panel per key (training loss terms, then validation metrics), one line per run;
    writes ``path`` (any format matplotlib writes) and returns the keys drawn."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    found = []
    for part in ('train', 'val'):
        for curves in runs.values():
            found += [(part, k) for k in curves[part] if (part, k) not in found]
    if keys:
        missing = [k for k in keys if not any(k == name for _, name in found)]
        if missing:
            raise ValueError(f'no run logged {missing}; logged: '
                             f'{sorted({name for _, name in found})}')
        found = [(part, name) for part, name in found if name in keys]
    if not found:
        raise ValueError('the work dirs hold no logged scalars (vis_data/scalars.json)')
    cols = min(3, len(found))
    rows = (len(found) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, (part, key) in zip(axes.flat, found):
        for name, curves in runs.items():
            curve = curves[part].get(key)
            if curve:
                ax.plot(list(curve), list(curve.values()), marker='.' if len(curve) < 30 else '',
                        label=name)
        ax.set_title(f'{key} ({"training, mean per epoch" if part == "train" else "validation"})',
                     fontsize=9)
        ax.set_xlabel('epoch')
        if part == 'train' and 'loss' in key:
            ax.set_yscale('log')
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(found):]:
        ax.axis('off')
    axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [name for _, name in found]
