"""The KD decomposition study (Tang et al., 2020) on synthetic hierarchical classes: which part
of the teacher's knowledge helps the student, and under what conditions.

    python tools/analysis/kd_decomposition.py                   # the default run (minutes)
    python tools/analysis/kd_decomposition.py --sweeps all      # every sweep (see SWEEPS)
    python tools/analysis/kd_decomposition.py --sweeps correlation failure --seeds 0 1 2 3 4

Each sweep varies one condition (class correlation, label noise in the student's data, the
spread of the classes' noise levels, the student's data size or capacity, the temperature,
the teacher) around a base setting, trains a student with every method (CE, LS, KD, KD-pt,
KD-sim, KD-pt+sim, KD-topk) for every seed, and reports test top-1 against the true classes
(mean ± std over seeds) with the teacher's and the Bayes classifier's, and diagnostics of the
teacher. The default teacher is the oracle: the exact posterior of the generative model
(``oracle_teacher.py`` beside this tool). Writes ``WORK_DIR/<sweep>.json``, ``<sweep>.png`` and
``results.md``. The core lives beside it, in ``kd_decomposition_study.py``.
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

from kd_decomposition_study import METHODS  # noqa: E402

# name -> (what it shows, the setting shared by its points, [(label, overrides), ...])
SWEEPS = {
    'default': ('oracle teacher; class correlation rho x label noise eta in the student data',
                {}, [(f'rho={r}, eta={e}', dict(correlation=r, label_noise=e))
                     for r in (0.0, 0.6) for e in (0.0, 0.3)]),
    'correlation': ('class correlation rho, oracle teacher', {},
                    [(f'rho={r}', dict(correlation=r)) for r in (0.0, 0.3, 0.6, 0.9)]),
    'correlation_mlp': ('class correlation rho, trained MLP teacher', dict(teacher='mlp'),
                        [(f'rho={r}', dict(correlation=r)) for r in (0.0, 0.3, 0.6, 0.9)]),
    'label_noise': ('label noise eta in the student data (instance difficulty), oracle, rho=0',
                    dict(correlation=0.0),
                    [(f'eta={e}', dict(label_noise=e)) for e in (0.0, 0.1, 0.2, 0.3, 0.4)]),
    'label_noise_rho0.6': ('label noise eta in the student data, oracle, rho=0.6', {},
                           [(f'eta={e}', dict(label_noise=e)) for e in (0.0, 0.2, 0.4)]),
    'noise_spread': ('spread s of the classes\' noise levels (instance difficulty), oracle, '
                     'rho=0', dict(correlation=0.0),
                     [(f's={v}', dict(noise_spread=v)) for v in (0.0, 0.25, 0.5)]),
    'data_size': ('student samples per class, oracle, rho=0.6', {},
                  [(f'n={n}', dict(student_per_class=n)) for n in (5, 10, 20, 50, 100)]),
    'capacity': ('student hidden width, oracle, rho=0.6', {},
                 [(f'h={h}', dict(student_hidden=(h, ))) for h in (8, 32, 128)]),
    'temperature': ('KD temperature tau, oracle, rho=0.6 (KD-sim calibrated at each tau)', {},
                    [(f'tau={t}', dict(tau=t)) for t in (1.0, 2.0, 4.0)]),
    'sim_tau': ('KD-sim temperature: fixed values against the calibrated one, oracle, rho=0.6',
                {}, [(f'sim_tau={t}', dict(sim_tau=t)) for t in ('auto', 1.0, 0.1)]),
    'failure': ('teacher: trained normally, with label smoothing, over-confident; oracle, '
                'oracle over-confident; rho=0.6', {},
                [('MLP', dict(teacher='mlp')), ('MLP + LS 0.3', dict(teacher='mlp-ls')),
                 ('MLP x3', dict(teacher='mlp', teacher_confidence=3.0)),
                 ('oracle', dict(teacher='oracle')),
                 ('oracle x3', dict(teacher='oracle', teacher_confidence=3.0))]),
}
EXTRA = ('teacher', 'bayes')
DIAGNOSTICS = ('teacher_label_mass', 'sim_tau', 'teacher_relations', 'teacher_max_prob')


def _job(job):
    import torch
    from mmengine.logging import MMLogger
    from mmkd.utils.quiet import quiet_known_warnings
    torch.set_num_threads(1)
    quiet_known_warnings()
    # the current logger: mmengine's per-student "Loads checkpoint" lines are INFO
    MMLogger.get_instance('mmkd-kd-decomposition', log_level='WARNING')
    from kd_decomposition_study import run_setting
    sweep, label, setting, seed, methods, workdir = job
    return sweep, label, seed, run_setting(setting, seed, methods, workdir)


def summarise(values):
    return dict(mean=statistics.mean(values),
                std=statistics.stdev(values) if len(values) > 1 else 0.0, runs=values)


def table_markdown(name, spec, cells, methods):
    what, _, points = spec
    labels = [label for label, _ in points]
    rows = [f'### {name}: {what}', '', '| | ' + ' | '.join(labels) + ' |',
            '|---' * (len(labels) + 1) + '|']
    for key in EXTRA + tuple(methods):
        rows.append(f'| {key} | ' + ' | '.join(
            f'{cells[lab][key]["mean"]:.2f} ± {cells[lab][key]["std"]:.2f}' for lab in labels) + ' |')
    for key in DIAGNOSTICS:
        rows.append(f'| *{key}* | ' + ' | '.join(
            f'{cells[lab][key]["mean"]:.3g}' for lab in labels) + ' |')
    return '\n'.join(rows)


def plot(name, spec, cells, methods, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    labels = [label for label, _ in spec[2]]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    xs = range(len(labels))
    for key in EXTRA + tuple(methods):
        style = dict(linestyle='--', color='gray' if key == 'teacher' else 'black') \
            if key in EXTRA else {}
        ax.errorbar(xs, [cells[lab][key]['mean'] for lab in labels],
                    yerr=[cells[lab][key]['std'] for lab in labels], marker='o', capsize=3,
                    label=key, **style)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel('test top-1 (%)')
    ax.set_title(f'{name}: {spec[0]}', fontsize=9)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--sweeps', nargs='+', default=['default'],
                   help=f'any of {list(SWEEPS)}, or all')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    p.add_argument('--methods', nargs='+', default=list(METHODS))
    p.add_argument('--set', nargs='*', default=[], metavar='KEY=VALUE',
                   help='override the base setting of every sweep, e.g. epochs=20 dim=16 '
                        '(values are Python literals)')
    p.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument('--work-dir', default='work_dirs/kd_decomposition')
    args = p.parse_args(argv)
    names = list(SWEEPS) if args.sweeps == ['all'] else args.sweeps
    unknown = [n for n in names if n not in SWEEPS]
    if unknown:
        p.error(f'unknown sweep(s) {unknown}; choose from {list(SWEEPS)} or all')
    bad = [m for m in args.methods if m not in METHODS]
    if bad:
        p.error(f'unknown method(s) {bad}; choose from {list(METHODS)}')
    import ast
    base = {}
    for item in args.set:
        key, _, value = item.partition('=')
        try:
            base[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            base[key] = value
    from kd_decomposition_study import make_setting
    make_setting(**base)  # an unknown key fails here, before any training
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(name, label, dict(SWEEPS[name][1], **over, **base), seed, args.methods, tmp)
                for name in names for label, over in SWEEPS[name][2] for seed in args.seeds]
        results = {}
        # fresh interpreters: forking a process that has used torch's thread pools can hang
        pool = mp.get_context('spawn').Pool(args.jobs) if args.jobs > 1 else None
        done = pool.imap_unordered(_job, jobs) if pool else map(_job, jobs)
        try:
            for i, (name, label, seed, res) in enumerate(done):
                results.setdefault(name, {}).setdefault(label, []).append((seed, res))
                print(f'[{i + 1}/{len(jobs)}] {name} {label} seed {seed} '
                      f'({time.time() - start:.0f} s)', flush=True)
        finally:
            if pool:
                pool.close()
                pool.join()
    sections = [f'# KD decomposition: test top-1 (%), mean ± std over seeds {args.seeds}', '',
                f'Base setting overrides: {base or "none"}. {time.time() - start:.0f} s.']
    for name in names:
        cells = {}
        for label, _ in SWEEPS[name][2]:
            runs = [r for _, r in sorted(results[name][label], key=lambda t: t[0])]
            cells[label] = {k: summarise([r[k] for r in runs])
                            for k in EXTRA + tuple(args.methods) + DIAGNOSTICS}
        text = table_markdown(name, SWEEPS[name], cells, args.methods)
        sections += ['', text]
        print('\n' + text)
        with open(osp.join(args.work_dir, f'{name}.json'), 'w') as f:
            json.dump(dict(sweep=name, what=SWEEPS[name][0], base=dict(SWEEPS[name][1], **base),
                           seeds=args.seeds, cells=cells), f, indent=1)
        plot(name, SWEEPS[name], cells, args.methods, osp.join(args.work_dir, f'{name}.png'))
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write('\n'.join(sections) + '\n')
    print(f'\nwrote {args.work_dir}/results.md, <sweep>.json and <sweep>.png '
          f'({time.time() - start:.0f} s)')


if __name__ == '__main__':
    main()
