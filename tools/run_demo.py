"""The main demo: teacher, student alone, and student + KD on the shipped digits, several seeds.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--seeds 0 1 2]

Every run goes through the MMEngine runner with the configs in ``configs/demo`` and
``configs/kd``. The table (top-1 on the held-out test split, mean ± std over seeds) is printed
and written to ``results.json`` and ``results.png`` in the work dir.
"""
import argparse
import json
import os.path as osp
import statistics
import time

import torch

from mmengine.config import Config
from mmengine.hooks import Hook
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import mmkd  # noqa: F401
from mmkd.utils import scripted_run_config, scripted_runner


ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    teacher=osp.join(ROOT, 'configs/demo/teacher_convnet_digits.py'),
    student=osp.join(ROOT, 'configs/demo/student_convnet_digits.py'),
    kd=osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py'),
)
ROWS = dict(teacher='teacher (CNN 64-128, x2 convs)', student='student alone (CNN 8-16)',
            kd='student + KD (tau 4, 0.9 KD / 0.1 CE)')


class _EpochProgress(Hook):
    """Advances the demo's progress bar after every training epoch."""

    def __init__(self, progress: Progress, task) -> None:
        self.progress, self.task = progress, task

    def after_train_epoch(self, runner) -> None:
        self.progress.advance(self.task)


def run_one(kind: str, seed: int, args, progress: Progress, task, teacher_ckpt=None) -> dict:
    work_dir = osp.join(args.work_dir, f'{kind}_seed{seed}')
    cfg = scripted_run_config(Config.fromfile(CONFIGS[kind]), work_dir, seed, args.epochs,
                              log_level='ERROR')
    cfg.train_dataloader.dataset.update(
        num_train=args.num_train, label_noise=args.label_noise, noise_seed=seed)
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    runner = scripted_runner(cfg)
    runner.register_hook(_EpochProgress(progress, task), priority='LOWEST')
    runner.train()
    metrics = runner.test()
    return dict(top1=float(metrics['accuracy/top1']),
                checkpoint=osp.join(cfg.work_dir, f'epoch_{args.epochs}.pth'))


def summarize(results: dict) -> dict:
    summary = {}
    for kind, runs in results.items():
        accs = [r['top1'] for r in runs]
        summary[kind] = dict(
            name=ROWS[kind], mean=statistics.mean(accs),
            std=statistics.stdev(accs) if len(accs) > 1 else 0.0, runs=accs)
    return summary


def plot(summary: dict, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = [s['name'] for s in summary.values()]
    means = [s['mean'] for s in summary.values()]
    stds = [s['std'] for s in summary.values()]
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(range(len(names)), means, yerr=stds, capsize=6,
                  color=['#4c72b0', '#dd8452', '#55a868'][:len(names)])
    for i, s in enumerate(summary.values()):
        ax.scatter([i] * len(s['runs']), s['runs'], color='black', s=12, zorder=3)
    ax.bar_label(bars, labels=[f'{m:.1f}±{s:.1f}' for m, s in zip(means, stds)], padding=8)
    ax.set_xticks(range(len(names)), [n.split(' (')[0] for n in names])
    ax.set_ylabel('test top-1 (%)')
    low = min(min(s['runs']) for s in summary.values())
    ax.set_ylim(max(0, low - 10), 104)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo'))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=40)
    parser.add_argument('--num-train', type=int, default=None,
                        help='training images kept (stratified); all 1,257 by default')
    parser.add_argument('--label-noise', type=float, default=0.0,
                        help='fraction of training labels flipped to another class')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads. The demo models are tiny: one thread is as '
                        'fast as two on an idle machine and does not slow down when another '
                        'job holds a core (see README)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    console = Console()
    setting = (f'digits 8x8, {args.num_train or 1257} training images, '
               f'{args.label_noise:.0%} label noise, {args.epochs} epochs, seeds {args.seeds}')
    console.print(f'[bold]mmkd demo[/bold]: {setting}')
    results = {k: [] for k in ROWS}
    start = time.time()
    columns = [TextColumn('{task.description}'), BarColumn(), TextColumn('{task.completed}/{task.total} epochs'),
               TimeElapsedColumn()]
    with Progress(*columns, console=console) as progress:
        task = progress.add_task('training', total=len(args.seeds) * len(ROWS) * args.epochs)
        for seed in args.seeds:
            for kind in ROWS:
                progress.update(task, description=f'seed {seed}: {kind}')
                teacher = results['teacher'][-1]['checkpoint'] if kind == 'kd' else None
                results[kind].append(dict(seed=seed, **run_one(kind, seed, args, progress, task, teacher)))
                progress.console.print(f'  seed {seed} {kind:8s} top-1 {results[kind][-1]["top1"]:.2f}')

    summary = summarize(results)
    table = Table(title=f'mmkd demo ({setting})')
    table.add_column('model')
    table.add_column('top-1 mean ± std', justify='right')
    table.add_column('per seed', justify='right')
    for s in summary.values():
        table.add_row(s['name'], f'{s["mean"]:.2f} ± {s["std"]:.2f}',
                      ' '.join(f'{a:.2f}' for a in s['runs']))
    console.print(table)
    out = dict(setting=vars(args), summary=summary, runs=results,
               seconds=round(time.time() - start, 1))
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(out, f, indent=2)
    plot(summary, osp.join(args.work_dir, 'results.png'), f'mmkd demo\n{setting}')
    console.print(f'wrote {osp.join(args.work_dir, "results.json")} and results.png '
                  f'({out["seconds"]:.0f} s)')


if __name__ == '__main__':
    main()
