"""Run distillation methods x seeds and tabulate them, or tabulate runs made elsewhere.

    # train every method config on the shipped digits (3 seeds), then write the table
    python tools/analysis/benchmark_methods.py run [--configs CFG ...] [--seeds 0 1 2]
        [--work-dir work_dirs/benchmark] [--epochs N]

    # tabulate any MMEngine work dirs (e.g. CIFAR-100 runs copied from a GPU cluster)
    python tools/analysis/benchmark_methods.py collect WORK_DIR [WORK_DIR ...] [--out DIR]

``run`` trains each config once per seed through the MMEngine runner (validating every epoch),
in ``WORK_DIR/<config name>/seed<k>``; runs already finished there are kept, so an interrupted
benchmark continues where it stopped. A teacher checkpoint that a config names but that does not
exist yet (or every one, with ``--fresh-teachers``) is trained first from ``--teacher-config`` (the i-th distinct missing checkpoint with
seed i, so a two-teacher config gets two different teachers) and substituted. A config that
reads its teacher from a cache (``model.teacher_cache``) gets one built in
``WORK_DIR/teacher_caches/<config name>`` first, shared by its seeds.

``collect`` finds every run below the given folders (a folder with ``*/vis_data/scalars.json``,
what MMEngine's ``LocalVisBackend`` writes), names it after the config MMEngine dumped next to
it, and groups runs of one config over seeds. It writes ``results.md``, ``results.json`` and
``results.png``: per config the number of runs, the last-epoch and best-epoch top-1 (mean ±
std over seeds) and the mean best epoch.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import sys
import time
import warnings
from typing import Dict, List, Optional

warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '*', '*_digits.py')))
DEFAULT_TEACHER = osp.join(ROOT, 'configs/demo/teacher_convnet_digits.py')


# ----------------------------------------------------------------------------- collect
def read_scalars(run_dir: str, metric: str) -> Dict[int, float]:
    """epoch -> validation ``metric`` of one run (later files win, e.g. after a resume)."""
    values = {}
    for path in sorted(glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:  # blank, or a run still writing its last line
                    continue
                if metric in record:
                    values[int(record.get('epoch', record.get('step')))] = float(record[metric])
    return values


def describe_run(run_dir: str) -> Dict[str, object]:
    """Config name and seed of a run, from the config MMEngine dumped into its work dir."""
    dumped = sorted(glob.glob(osp.join(run_dir, '*.py')))
    name = osp.splitext(osp.basename(dumped[0]))[0] if dumped else osp.basename(run_dir)
    seed = None
    if dumped:
        from mmengine.config import Config
        try:
            seed = Config.fromfile(dumped[0]).get('randomness', {}).get('seed')
        except Exception:  # a dump that no longer loads still has a usable name
            seed = None
    return dict(config=name, seed=seed)


def find_runs(folders: List[str]) -> List[str]:
    runs = set()
    for folder in folders:
        if not osp.isdir(folder):
            raise SystemExit(f'{folder} is not a folder')
        for path in glob.glob(osp.join(folder, '**', 'vis_data', 'scalars.json'), recursive=True):
            runs.add(osp.dirname(osp.dirname(osp.dirname(path))))
    return sorted(runs)


def mean_std(values: List[float]) -> Dict[str, float]:
    return dict(mean=statistics.mean(values),
                std=statistics.stdev(values) if len(values) > 1 else 0.0)


def collect(folders: List[str], metric: str = 'accuracy/top1') -> Dict[str, dict]:
    """config name -> summary over its runs (see the module docstring)."""
    groups: Dict[str, list] = {}
    for run_dir in find_runs(folders):
        curve = read_scalars(run_dir, metric)
        if not curve:
            continue
        info = describe_run(run_dir)
        last_epoch = max(curve)
        best_epoch = max(curve, key=lambda e: (curve[e], -e))
        groups.setdefault(info['config'], []).append(dict(
            run_dir=run_dir, seed=info['seed'], epochs=last_epoch, last=curve[last_epoch],
            best=curve[best_epoch], best_epoch=best_epoch))
    table = {}
    for name, runs in sorted(groups.items()):
        runs.sort(key=lambda r: (r['seed'] is None, r['seed']))
        table[name] = dict(
            runs=runs, n=len(runs), last=mean_std([r['last'] for r in runs]),
            best=mean_std([r['best'] for r in runs]),
            best_epoch=statistics.mean(r['best_epoch'] for r in runs),
            epochs=sorted({r['epochs'] for r in runs}))
    return table


def to_markdown(table: Dict[str, dict], metric: str) -> str:
    lines = [f'| config | runs | epochs | last {metric} | best {metric} | best epoch |',
             '|---|---|---|---|---|---|']
    for name, row in table.items():
        lines.append(
            f'| {name} | {row["n"]} | {"/".join(map(str, row["epochs"]))} | '
            f'{row["last"]["mean"]:.2f} ± {row["last"]["std"]:.2f} | '
            f'{row["best"]["mean"]:.2f} ± {row["best"]["std"]:.2f} | {row["best_epoch"]:.1f} |')
    return '\n'.join(lines) + '\n'


def plot(table: Dict[str, dict], path: str, metric: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(table)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.5))
    y = range(len(names))
    for offset, key, color in ((-0.2, 'last', '#4c72b0'), (0.2, 'best', '#dd8452')):
        ax.barh([i + offset for i in y], [table[n][key]['mean'] for n in names], height=0.4,
                xerr=[table[n][key]['std'] for n in names], capsize=3, color=color,
                label=f'{key} epoch')
    ax.set_yticks(list(y), names, fontsize=8)
    ax.invert_yaxis()
    low = min(min(r['last'] for r in table[n]['runs']) for n in names)
    ax.set_xlim(max(0.0, low - 5), 100)
    ax.set_xlabel(f'{metric} (%), mean ± std over seeds')
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_results(table: Dict[str, dict], out: str, metric: str, title: str) -> str:
    if not table:
        raise SystemExit(f'no finished runs with a {metric!r} metric were found')
    os.makedirs(out, exist_ok=True)
    markdown = to_markdown(table, metric)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(f'{title}\n\n{markdown}')
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(dict(metric=metric, title=title, table=table), f, indent=2)
    plot(table, osp.join(out, 'results.png'), metric, title)
    return markdown


# ----------------------------------------------------------------------------- run
def _ckpt_slots(model_cfg) -> List[tuple]:
    """(container, key) of every teacher checkpoint a model config names."""
    slots = []
    if model_cfg.get('teacher_ckpt'):
        slots.append((model_cfg, 'teacher_ckpt'))
    for teacher in (model_cfg.get('teachers') or {}).values():
        if teacher.get('ckpt'):
            slots.append((teacher, 'ckpt'))
    return slots


def _train(cfg, work_dir: str, seed: int, epochs: Optional[int]) -> None:
    from mmkd.utils import scripted_run_config, scripted_runner
    scripted_runner(scripted_run_config(cfg, work_dir, seed, epochs, val_interval=1)).train()


def _finished(work_dir: str, epochs: int) -> bool:
    return osp.isfile(osp.join(work_dir, f'epoch_{epochs}.pth')) and \
        bool(read_scalars(work_dir, 'accuracy/top1'))


def run(args) -> None:
    from mmengine.config import Config
    teachers: Dict[str, str] = {}  # missing checkpoint path -> trained substitute
    teacher_cfg = Config.fromfile(args.teacher_config)
    teacher_epochs = args.epochs or teacher_cfg.train_cfg.max_epochs
    start = time.time()
    for path in args.configs:
        cfg = Config.fromfile(path)
        name = osp.splitext(osp.basename(path))[0]
        for container, key in _ckpt_slots(cfg.model):
            wanted = container[key]
            if osp.isfile(wanted) and not args.fresh_teachers:
                continue
            if wanted not in teachers:
                index = len(teachers)
                work_dir = osp.join(args.work_dir, 'teachers', f'teacher_seed{index}')
                if not _finished(work_dir, teacher_epochs):
                    print(f'training teacher {index} for {wanted} ({time.time() - start:.0f} s)')
                    _train(teacher_cfg, work_dir, index, args.epochs)
                teachers[wanted] = osp.join(work_dir, f'epoch_{teacher_epochs}.pth')
            container[key] = teachers[wanted]
        if cfg.model.get('teacher_cache') is not None:
            # one cache per config and teacher, built once for every seed
            from mmkd.cli.build_teacher_cache import build
            cfg.model.teacher_cache.dir = osp.join(args.work_dir, 'teacher_caches', name)
            print(f'teacher cache for {name} ({time.time() - start:.0f} s)')
            build(cfg)
        epochs = args.epochs or cfg.train_cfg.max_epochs
        for seed in args.seeds:
            work_dir = osp.join(args.work_dir, 'runs', name, f'seed{seed}')
            if _finished(work_dir, epochs):
                continue
            print(f'{name} seed {seed} ({time.time() - start:.0f} s)')
            _train(cfg, work_dir, seed, args.epochs)
    table = collect([osp.join(args.work_dir, 'runs')])
    title = (f'mmkd methods on {args.dataset_name}, seeds {args.seeds} '
             f'({time.time() - start:.0f} s to finish this invocation)')
    print(write_results(table, args.work_dir, 'accuracy/top1', title))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p_run = sub.add_parser('run', help='train configs x seeds, then tabulate')
    p_run.add_argument('--configs', nargs='+', default=DIGITS_CONFIGS,
                       help='method configs (default: every *_digits.py config except the '
                            "teacher's)")
    p_run.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p_run.add_argument('--epochs', type=int, help="override every config's max_epochs")
    p_run.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/benchmark'))
    p_run.add_argument('--teacher-config', default=DEFAULT_TEACHER,
                       help='trains teachers whose checkpoints are missing')
    p_run.add_argument('--fresh-teachers', action='store_true',
                       help='train the teachers even where the named checkpoints exist')
    p_run.add_argument('--dataset-name', default='the shipped digits (test split)')
    p_col = sub.add_parser('collect', help='tabulate existing work dirs')
    p_col.add_argument('folders', nargs='+')
    p_col.add_argument('--out', default='.', help='where results.{md,json,png} go')
    p_col.add_argument('--metric', default='accuracy/top1')
    p_col.add_argument('--title', default='mmkd results')
    args = parser.parse_args(argv)
    import mmkd  # noqa: F401  (registers mmkd's modules for the runner)
    if args.command == 'run':
        args.configs = [c for c in args.configs
                        if osp.abspath(c) != osp.abspath(args.teacher_config)]
        run(args)
    else:
        print(write_results(collect(args.folders, args.metric), args.out, args.metric,
                            args.title))


if __name__ == '__main__':
    sys.exit(main())
