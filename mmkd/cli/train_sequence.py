"""Train a sequence of distillation runs, each distilled from the model the previous one
exported: ``tools/train_sequence.py SEQUENCE_CONFIG [--work-dir DIR] [--resume]`` (or
``mmkd-train-sequence``). Teacher-assistant chains and born-again generations; see
:class:`mmkd.cli.training_sequence.TrainingSequence` and ``configs/sequential/``.
"""
import argparse
import os.path as osp

import mmkd  # noqa: F401  (safe checkpoint loading, registries, mmkd:: configs)
from mmengine.config import DictAction

from mmkd.cli.training_sequence import TrainingSequence, load_sequence
from mmkd.utils.threads import THREADS_HELP, apply_threads
from .common import run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a sequence config (a file with a `sequence` dict)')
    parser.add_argument('--work-dir', help='where every hop gets its folder (default: '
                        'work_dirs/<config name>)')
    parser.add_argument('--resume', action='store_true',
                        help='continue an interrupted sequence: finished hops are kept, the '
                        'interrupted one resumes from its newest intact checkpoint')
    parser.add_argument('--seed', type=int, help='every hop\'s seed (sequence.seed)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override keys of every hop\'s config, e.g. '
                        'train_cfg.max_epochs=2')
    parser.add_argument('--threads', default='auto', help=THREADS_HELP)
    args = parser.parse_args(argv)
    print(apply_threads(args.threads))
    spec = load_sequence(args.config)
    if args.seed is not None:
        spec['seed'] = args.seed
    work_dir = args.work_dir or osp.join('work_dirs',
                                         osp.splitext(osp.basename(args.config))[0])
    TrainingSequence(spec, work_dir, args.resume, args.cfg_options).run()


def cli(argv=None):
    run_cli(main, argv, resumable=True)


if __name__ == '__main__':
    cli()
