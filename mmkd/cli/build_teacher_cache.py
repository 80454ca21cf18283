"""Build a teacher-output cache for a training config: ``mmkd-build-teacher-cache CONFIG``.

The config is the one the student runs will train with: ``model.teacher_cache`` says where the
cache goes and what it keeps (``topk=k`` or ``full_logits=True``, ``dtype``, ``recorder``), and
the training set must be a ``ReplayableDataset`` with ``num_slots``. The builder runs the live
teacher of ``model`` (with ``model.teacher_lean`` if set) over every (slot, sample) of the
training set, replaying each slot's augmentation, and writes the cached recorder's logits.

Several processes share the work (``torchrun --nproc_per_node=N ... --launcher pytorch``);
each writes its own entries of the same memory-mapped files. An interrupted build continues
where it stopped when run again; a complete one is left as it is.
"""
import argparse

from mmkd.engine.teacher_cache_builder import build
from .common import add_run_arguments, load_config, parse_run_arguments, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='the training config (with model.teacher_cache)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='teacher batch size (default: the training batch size)')
    parser.add_argument('--num-workers', type=int, default=None,
                        help='data-loader workers (default: those of train_dataloader)')
    parser.add_argument('--device', default=None, help="default: 'cuda' if available, else 'cpu'")
    parser.add_argument('--overwrite', action='store_true',
                        help='replace a cache of another setting in model.teacher_cache.dir')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    print(args.threads_line)
    cfg = load_config(args.config, args.cfg_options)
    build(cfg, args.batch_size, args.num_workers, args.device, args.overwrite, args.launcher)


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
