"""The benchmark harness: train configs x seeds, tabulate work dirs, and publish the results.

``run`` trains each config once per seed through mmkd's runner (validating every epoch, one
torch thread per run so the numbers do not depend on the machine's load), in
``WORK_DIR/runs/<config name>/seed<k>``; runs already finished there are kept, so an
interrupted benchmark continues where it stopped. The teacher config is a row like the others;
a teacher checkpoint that a config names but that does not exist (or every one, with
``fresh_teachers``) is replaced, for seed k, by the teacher run of seed k (a second distinct
checkpoint of a multi-teacher config by a teacher trained with seed k + 100, a third with
k + 200, in ``WORK_DIR/teachers``), so the same student seed distils the same teacher in every
method. A config that reads its teacher from a cache gets one built in
``WORK_DIR/teacher_caches/<config name>`` first, from the first seed's teacher, shared by its
seeds.

``collect`` finds every run below the given folders (a folder with ``*/vis_data/scalars.json``),
names it after the config MMEngine dumped next to it, and groups runs of one config over
seeds: per config the number of runs, the last-epoch and best-epoch top-1 (mean ± std over
seeds) and the mean best epoch. ``publish`` keeps of that what the docs print, in one JSON
file that every published number is rendered from (:mod:`mmkd.analysis.published_results`).
"""
import copy
import glob
import json
import os
import os.path as osp
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Optional, Sequence

from .training_curves import scalar_records

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRIC = 'accuracy/top1'


# ----------------------------------------------------------------------------- collect
def read_scalars(run_dir: str, metric: str = METRIC) -> Dict[int, float]:
    """epoch -> validation ``metric`` of one run (later files win, e.g. after a resume)."""
    return {int(r.get('epoch', r.get('step'))): float(r[metric])
            for r in scalar_records(run_dir) if metric in r}


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


def find_runs(folders: Sequence[str]) -> List[str]:
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


def other_models(run_dir: str, metric: str = METRIC) -> Dict[str, float]:
    """model name -> last-epoch ``metric`` of the algorithm's other models that the run
    validated (``DistillValLoop(models=[...])`` logs them as ``<name>/<metric>``)."""
    last: Dict[str, tuple] = {}
    for record in scalar_records(run_dir):
        for key, value in record.items():
            if key.endswith('/' + metric):
                step = int(record.get('epoch', record.get('step')))
                name = key[:-len(metric) - 1]
                if name not in last or step >= last[name][0]:
                    last[name] = (step, float(value))
    return {name: value for name, (_, value) in last.items()}


def collect(folders: Sequence[str], metric: str = METRIC) -> Dict[str, dict]:
    """config name -> summary over its runs (see the module docstring); ``models`` holds
    the last-epoch ``metric`` of the other models a run validated (a second peer, an exit)."""
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
            best=curve[best_epoch], best_epoch=best_epoch,
            models=other_models(run_dir, metric)))
    table = {}
    for name, runs in sorted(groups.items()):
        runs.sort(key=lambda r: (r['seed'] is None, r['seed']))
        models = sorted(set.intersection(*(set(r['models']) for r in runs)))
        table[name] = dict(
            runs=runs, n=len(runs), last=mean_std([r['last'] for r in runs]),
            best=mean_std([r['best'] for r in runs]),
            best_epoch=statistics.mean(r['best_epoch'] for r in runs),
            epochs=sorted({r['epochs'] for r in runs}),
            models={m: mean_std([r['models'][m] for r in runs]) for m in models})
    return table


def to_markdown(table: Dict[str, dict], metric: str = METRIC) -> str:
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


def publish(table: Dict[str, dict], path: str, protocol: dict) -> dict:
    """Write what the docs print of ``table`` (no machine paths) with the ``protocol`` that
    produced it: the one file every published digits number is rendered from."""
    rows = {name: dict(n=row['n'], epochs=row['epochs'], last=row['last'], best=row['best'],
                       best_epoch=row['best_epoch'], models=row.get('models', {}),
                       runs=[{k: r[k] for k in ('seed', 'last', 'best', 'best_epoch')}
                             for r in row['runs']])
            for name, row in table.items()}
    data = dict(metric=METRIC, protocol=protocol, table=rows)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    return data


# ----------------------------------------------------------------------------- run
def ckpt_slots(model_cfg) -> List[tuple]:
    """(container, key) of every teacher checkpoint a model config names."""
    slots = []
    if model_cfg.get('teacher_ckpt'):
        slots.append((model_cfg, 'teacher_ckpt'))
    for teacher in (model_cfg.get('teachers') or {}).values():
        if teacher.get('ckpt'):
            slots.append((teacher, 'ckpt'))
    return slots


def finished(work_dir: str, epochs: int) -> bool:
    return osp.isfile(osp.join(work_dir, f'epoch_{epochs}.pth')) and bool(read_scalars(work_dir))


def train_one(cfg_dict: dict, work_dir: str, seed: int, epochs: Optional[int],
              cfg_path: str) -> str:
    """One run (in a worker process): one torch thread, mmkd's runner, quiet console."""
    import torch
    from mmengine.config import Config
    import mmkd  # noqa: F401  (registries, mmkd:: configs)
    from .scripted_runs import scripted_run_config, scripted_runner
    torch.set_num_threads(1)
    # the text is not read back (the file of a variant does not exist)
    cfg = Config(cfg_dict, filename=cfg_path, cfg_text=f'# {osp.basename(cfg_path)}\n')
    scripted_runner(scripted_run_config(cfg, work_dir, seed, epochs, val_interval=1)).train()
    return work_dir


class _Jobs:
    """Runs :func:`train_one` calls in ``jobs`` processes (or in this one, for 1)."""

    def __init__(self, jobs: int) -> None:
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=__import__(
            'multiprocessing').get_context('spawn')) if jobs > 1 else None

    def map(self, calls: List[tuple]) -> None:
        if self.pool is None:
            for call in calls:
                train_one(*call)
            return
        for future in [self.pool.submit(train_one, *call) for call in calls]:
            future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _config(path: str, cfg_options: Optional[dict]):
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(copy.deepcopy(cfg_options))
    return cfg


def load_variants(path: str) -> Dict[str, object]:
    """name -> config of each variant in ``path`` (``configs/digits_variants.py``: a config
    of the same folder with some keys changed); each config's file name is the variant's
    name, so runs of it are named after the variant."""
    import runpy
    from mmengine.config import Config
    folder = osp.dirname(osp.abspath(path))
    out = {}
    for name, spec in runpy.run_path(path)['variants'].items():
        base = Config.fromfile(osp.join(folder, spec['config']))
        base.merge_from_dict(copy.deepcopy(spec.get('options') or {}))
        out[name] = Config(base.to_dict(), filename=osp.join(folder, f'{name}.py'),
                           cfg_text=f'# {name}: {spec["config"]} with {spec.get("options")}\n')
    return out


def run(configs: Sequence[str], seeds: Sequence[int], work_dir: str, teacher_config: str,
        epochs: Optional[int] = None, fresh_teachers: bool = False,
        cfg_options: Optional[dict] = None, jobs: int = 1, log=print,
        variants: Optional[Dict[str, object]] = None) -> Dict[str, dict]:
    """Train what is missing of ``configs`` (and ``variants``: name -> config, from
    :func:`load_variants`) x ``seeds`` (see the module docstring); returns :func:`collect` of
    ``WORK_DIR/runs``."""
    start = time.time()
    teacher_name = osp.splitext(osp.basename(teacher_config))[0]
    teacher_cfg = _config(teacher_config, cfg_options)
    teacher_epochs = epochs or teacher_cfg.train_cfg.max_epochs
    configs = [c for c in configs if osp.abspath(c) != osp.abspath(teacher_config)]
    plans, needed = [], {}  # needed: teacher seed -> its run dir
    loaded = [(osp.splitext(osp.basename(p))[0], p, _config(p, cfg_options)) for p in configs]
    for name, cfg in (variants or {}).items():
        cfg = copy.deepcopy(cfg)
        if cfg_options:
            cfg.merge_from_dict(copy.deepcopy(cfg_options))
        loaded.append((name, cfg.filename, cfg))
    for name, path, cfg in loaded:
        for seed in seeds:
            run_cfg = copy.deepcopy(cfg)
            distinct: List[str] = []
            for container, key in ckpt_slots(run_cfg.model):
                wanted = container[key]
                if osp.isfile(wanted) and not fresh_teachers:
                    continue
                if wanted not in distinct:
                    distinct.append(wanted)
                j = distinct.index(wanted)
                # a cache is built once, from the first seed's teacher, for every seed
                pair = seeds[0] if run_cfg.model.get('teacher_cache') is not None else seed
                teacher_seed = pair + 100 * j
                folder = osp.join(work_dir, 'runs', teacher_name, f'seed{pair}') if j == 0 \
                    else osp.join(work_dir, 'teachers', f'teacher_seed{teacher_seed}')
                needed[teacher_seed] = folder
                container[key] = osp.join(folder, f'epoch_{teacher_epochs}.pth')
            plans.append((name, path, seed, run_cfg))
    # the teacher row: every seed, whether a config needs it or not
    for seed in seeds:
        needed.setdefault(seed, osp.join(work_dir, 'runs', teacher_name, f'seed{seed}'))
    pool = _Jobs(jobs)
    try:
        todo = [(teacher_cfg.to_dict(), folder, seed, epochs, teacher_config)
                for seed, folder in sorted(needed.items())
                if not finished(folder, teacher_epochs)]
        if todo:
            log(f'training {len(todo)} teacher run(s) ({time.time() - start:.0f} s)')
            pool.map(todo)
        todo = []
        cached = set()
        for name, path, seed, run_cfg in plans:
            if run_cfg.model.get('teacher_cache') is not None:
                # one cache per config and teacher, built once for every seed
                run_cfg.model.teacher_cache.dir = osp.join(work_dir, 'teacher_caches', name)
                if name not in cached:
                    from mmkd.engine.teacher_cache_builder import build
                    log(f'teacher cache for {name} ({time.time() - start:.0f} s)')
                    build(run_cfg)
                    cached.add(name)
            run_dir = osp.join(work_dir, 'runs', name, f'seed{seed}')
            if not finished(run_dir, epochs or run_cfg.train_cfg.max_epochs):
                log(f'{name} seed {seed} (queued)')
                todo.append((run_cfg.to_dict(), run_dir, seed, epochs, path))
        if todo:
            log(f'training {len(todo)} run(s) in {jobs} process(es) '
                f'({time.time() - start:.0f} s)')
            pool.map(todo)
    finally:
        pool.close()
    return collect([osp.join(work_dir, 'runs')])
