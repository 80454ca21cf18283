"""Plot training curves of one or several work dirs: ``mmkd-plot-curves WORK_DIR [...]``.

Each loss term (mean per epoch) and each validation metric gets a panel, each work dir a
line, in the spirit of mmpretrain's ``analyze_logs.py``::

    mmkd-plot-curves work_dirs/student work_dirs/kd --out curves.png
    mmkd-plot-curves work_dirs/kd --keys distill.loss_kd accuracy/top1
"""
import argparse
import os.path as osp

from .common import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('work_dirs', nargs='+', help='MMEngine work dirs (resumed runs too)')
    parser.add_argument('--keys', nargs='+', help='what to draw (default: every loss term '
                        'and validation metric logged)')
    parser.add_argument('--names', nargs='+', help='legend names, one per work dir')
    parser.add_argument('--out', default='curves.png', help='the image to write')
    parser.add_argument('--title', default='')
    return parser.parse_args(argv)


def main(argv=None):
    from mmkd.analysis.training_curves import plot_curves, read_curves
    from mmkd.utils.config_errors import KDConfigError
    args = parse_args(argv)
    names = args.names or [osp.basename(osp.normpath(d)) for d in args.work_dirs]
    if len(names) != len(args.work_dirs):
        raise KDConfigError(f'--names: {len(names)} names for {len(args.work_dirs)} work dirs')
    runs = {}
    for name, work_dir in zip(names, args.work_dirs):
        if not osp.isdir(work_dir):
            raise KDConfigError(f'{work_dir!r} is not a folder')
        runs[name] = read_curves(work_dir)
    try:
        drawn = plot_curves(runs, args.out, args.keys, args.title)
    except ValueError as e:
        raise KDConfigError(str(e)) from e
    for name, curves in runs.items():
        last = {k: list(v.values())[-1] for part in ('train', 'val')
                for k, v in curves[part].items() if k in drawn and v}
        print(f'{name}: ' + ', '.join(f'{k} {v:.4g}' for k, v in last.items()))
    print(f'wrote {args.out}')


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
