"""Run distillation methods x seeds and tabulate them, tabulate runs made elsewhere, and
render every published digits number from one file.

    # train every config on the shipped digits (3 seeds), then write the table
    python tools/analysis/benchmark_methods.py run [--configs CFG ...] [--seeds 0 1 2]
        [--work-dir work_dirs/benchmark] [--epochs N] [--jobs 2]
        [--publish docs/results/digits.json]

    # tabulate any MMEngine work dirs (e.g. CIFAR-100 runs copied from a GPU cluster)
    python tools/analysis/benchmark_methods.py collect WORK_DIR [WORK_DIR ...] [--out DIR]

    # write the numbers of docs/results/digits.json into README.md, docs/ and the method
    # READMEs (between their <!-- results: ... --> markers); --check only compares
    python tools/analysis/benchmark_methods.py render [--check]

What ``run`` trains, and how teachers are paired with students: ``mmkd/analysis/benchmark.py``.
``collect`` writes ``results.md``, ``results.json`` and ``results.png``: per config the number
of runs, the last-epoch and best-epoch top-1 (mean ± std over seeds) and the mean best epoch.
"""
import argparse
import glob
import os.path as osp
import platform
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '*', '*_digits.py')))
DEFAULT_TEACHER = osp.join(ROOT, 'configs/demo/teacher_convnet_digits.py')
DIGITS_VARIANTS = osp.join(ROOT, 'configs', 'digits_variants.py')
PUBLISHED = osp.join(ROOT, 'docs', 'results', 'digits.json')


def main(argv=None) -> None:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p_run = sub.add_parser('run', help='train configs x seeds, then tabulate')
    p_run.add_argument('--configs', nargs='+', default=DIGITS_CONFIGS,
                       help='configs (default: every *_digits.py config)')
    p_run.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p_run.add_argument('--epochs', type=int, help="override every config's max_epochs")
    p_run.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/benchmark'))
    p_run.add_argument('--teacher-config', default=DEFAULT_TEACHER,
                       help='a row of its own, and the teacher of configs whose teacher '
                       'checkpoints are missing')
    p_run.add_argument('--fresh-teachers', action='store_true',
                       help='use the harness\'s teachers even where the named checkpoints exist')
    p_run.add_argument('--variants', default=None,
                       help='also run the variants of this file (default: '
                       'configs/digits_variants.py when --configs is not given; "none" for '
                       'none)')
    p_run.add_argument('--jobs', type=int, default=1, help='runs in parallel (one thread each)')
    p_run.add_argument('--cfg-options', nargs='+', action=DictAction,
                       help='override keys of every config')
    p_run.add_argument('--dataset-name', default='the shipped digits (test split)')
    p_run.add_argument('--publish', help='also write the published results file here (e.g. '
                       'docs/results/digits.json), then render the docs from it')
    p_col = sub.add_parser('collect', help='tabulate existing work dirs')
    p_col.add_argument('folders', nargs='+')
    p_col.add_argument('--out', default='.', help='where results.{md,json,png} go')
    p_col.add_argument('--metric', default='accuracy/top1')
    p_col.add_argument('--title', default='mmkd results')
    p_ren = sub.add_parser('render', help='write the published numbers into the docs')
    p_ren.add_argument('--results', default=PUBLISHED)
    p_ren.add_argument('--check', action='store_true',
                       help='only say which documents differ (exit status 1 if any)')
    args = parser.parse_args(argv)
    import mmkd  # noqa: F401  (registers mmkd's modules for the runner)
    from mmkd.analysis import benchmark, published_results
    if args.command == 'render':
        changed = published_results.render_all(ROOT, args.results, check=args.check)
        for path in changed:
            print(f'{"differs" if args.check else "wrote"}: {osp.relpath(path, ROOT)}')
        return 1 if args.check and changed else 0
    if args.command == 'collect':
        print(benchmark.write_results(benchmark.collect(args.folders, args.metric), args.out,
                                      args.metric, args.title))
        return 0
    start = time.time()
    variants = args.variants
    if variants is None and args.configs == DIGITS_CONFIGS:
        variants = DIGITS_VARIANTS
    variants = benchmark.load_variants(variants) if variants and variants != 'none' else None
    table = benchmark.run(args.configs, args.seeds, args.work_dir, args.teacher_config,
                          args.epochs, args.fresh_teachers, args.cfg_options, args.jobs,
                          variants=variants)
    seconds = time.time() - start
    title = (f'mmkd methods on {args.dataset_name}, seeds {args.seeds} '
             f'({seconds:.0f} s to finish this invocation)')
    print(benchmark.write_results(table, args.work_dir, 'accuracy/top1', title))
    if args.publish:
        import torch
        benchmark.publish(table, args.publish, dict(
            dataset=args.dataset_name, seeds=args.seeds, epochs=args.epochs,
            teacher=osp.basename(args.teacher_config), jobs=args.jobs, threads_per_run=1,
            torch=torch.__version__, machine=f'{platform.machine()}, {platform.system()}, '
            f'{__import__("os").cpu_count()} cores'))
        benchmark.plot(table, osp.splitext(args.publish)[0] + '.png', 'accuracy/top1', title)
        for path in published_results.render_all(ROOT, args.publish):
            print(f'wrote: {osp.relpath(path, ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
