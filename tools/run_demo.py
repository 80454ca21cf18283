"""The main demo: teacher, student alone, and student + KD on the shipped digits, several seeds.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--seeds 0 1 2] [--jobs 1]
        [--num-train N] [--label-noise P]

The three configs (``configs/demo/teacher_convnet_digits.py``,
``configs/demo/student_convnet_digits.py``, ``configs/kd/kd_convnet-teacher_convnet-
student_digits.py``) go through the benchmark harness (``mmkd/analysis/benchmark.py``) with
the protocol of the published results: one torch thread per run, validation every epoch, the
student of seed k distilled from the teacher of seed k. On the machine that produced
``docs/results/digits.json`` the table is the published one. The table (top-1 on the held-out
test split at the last epoch, mean ± std over seeds) is printed and written to
``results.json`` and ``results.png`` in the work dir.
"""
import argparse
import json
import os
import os.path as osp
import time

from rich.console import Console
from rich.table import Table

import mmkd  # noqa: F401
from mmkd.analysis import benchmark
from mmkd.analysis.published_results import DEMO_ROWS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEACHER = osp.join(ROOT, 'configs/demo/teacher_convnet_digits.py')
CONFIGS = [TEACHER, osp.join(ROOT, 'configs/demo/student_convnet_digits.py'),
           osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')]


def plot(rows, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    colors = ['#4c72b0', '#dd8452', '#55a868']
    means = [r['last']['mean'] for _, r in rows]
    stds = [r['last']['std'] for _, r in rows]
    bars = ax.bar(range(len(rows)), means, yerr=stds, capsize=6, color=colors[:len(rows)])
    for i, (_, row) in enumerate(rows):
        ax.scatter([i] * row['n'], [r['last'] for r in row['runs']], color='black', s=12,
                   zorder=3)
    ax.bar_label(bars, labels=[f'{m:.1f}±{s:.1f}' for m, s in zip(means, stds)], padding=8)
    ax.set_xticks(range(len(rows)), [label.split(' (')[0] for label, _ in rows])
    ax.set_ylabel('test top-1 (%)')
    low = min(min(r['last'] for r in row['runs']) for _, row in rows)
    ax.set_ylim(max(0, low - 10), 104)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo'))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=None, help='default: the configs\' 40')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs in parallel (one thread each); 1 shows a progress bar per '
                        'epoch on a terminal')
    parser.add_argument('--num-train', type=int, default=None,
                        help='training images kept (stratified); all 1,257 by default')
    parser.add_argument('--label-noise', type=float, default=0.0,
                        help='fraction of training labels flipped to another class')
    args = parser.parse_args()
    options = {}
    if args.num_train is not None:
        options['train_dataloader.dataset.num_train'] = args.num_train
    if args.label_noise:
        options['train_dataloader.dataset.label_noise'] = args.label_noise
    console = Console()
    setting = (f'digits 8x8, {args.num_train or 1257} training images, '
               f'{args.label_noise:.0%} label noise, {args.epochs or 40} epochs, seeds '
               f'{args.seeds}')
    console.print(f'[bold]mmkd demo[/bold]: {setting}')
    start = time.time()
    table = benchmark.run(CONFIGS, args.seeds, args.work_dir, TEACHER, args.epochs,
                          fresh_teachers=True, cfg_options=options or None, jobs=args.jobs,
                          log=lambda line: console.print(f'  {line}'))
    rows = [(label, table[name]) for name, label in DEMO_ROWS]
    out = Table(title=f'mmkd demo ({setting})')
    out.add_column('model')
    out.add_column('top-1 mean ± std', justify='right')
    out.add_column('per seed', justify='right')
    for label, row in rows:
        out.add_row(label, f'{row["last"]["mean"]:.2f} ± {row["last"]["std"]:.2f}',
                    ' '.join(f'{r["last"]:.2f}' for r in row['runs']))
    console.print(out)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(setting=vars(args), seconds=round(time.time() - start, 1),
                       table={name: table[name] for name, _ in DEMO_ROWS}), f, indent=2)
    plot(rows, osp.join(args.work_dir, 'results.png'), f'mmkd demo\n{setting}')
    console.print(f'wrote {osp.join(args.work_dir, "results.json")} and results.png '
                  f'({time.time() - start:.0f} s)')


if __name__ == '__main__':
    main()
