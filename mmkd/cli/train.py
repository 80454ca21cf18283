"""Train with the MMEngine runner: ``tools/train.py CONFIG [options]`` (or ``mmkd-train``).

Same flags and behaviour as mmpretrain's tools/train.py; multi-process training also works on
machines without CUDA (gloo), e.g. ``torchrun --nproc_per_node=2 tools/train.py CFG --launcher pytorch``.
"""
import argparse
import os.path as osp
from typing import Optional

from mmengine.config import Config

import mmkd  # noqa: F401  (safe checkpoint loading, registries, mmkd:: configs)
from mmkd.engine.runner import build_runner
from mmkd.utils import check_resumable, find_resumable_checkpoint
from .common import add_run_arguments, load_config, parse_run_arguments, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model (distillation or not)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or without a value from the latest one in '
        'the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed precision training (GPU)')
    parser.add_argument('--no-validate', action='store_true', help='skip validation in training')
    parser.add_argument('--seed', type=int, help='random seed (randomness.seed)')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms (randomness.deterministic)')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale lr by batch size')
    parser.add_argument(
        '--no-pin-memory', action='store_true', help='do not pin memory in data loaders')
    parser.add_argument(
        '--no-persistent-workers', action='store_true',
        help='do not keep data loader workers between epochs')
    add_run_arguments(
        parser, 'override config keys, e.g. model.teacher_ckpt=path/to/teacher.pth')
    return parse_run_arguments(parser, argv)


def default_work_dir(cfg: Config, config_path: str, work_dir=None) -> str:
    """``--work-dir``, else the config's ``work_dir``, else ``work_dirs/<config name>``."""
    if work_dir is not None:
        return work_dir
    if cfg.get('work_dir', None) is not None:
        return cfg.work_dir
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line flags to the config."""
    cfg.work_dir = default_work_dir(cfg, args.config, args.work_dir)

    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper); none is '
                             'available here.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    if args.seed is not None or args.deterministic:
        randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            randomness['seed'] = args.seed
        if args.deterministic:
            randomness['deterministic'] = True
        cfg.randomness = randomness

    def set_loader(loader_key, key, value):
        loader = cfg.get(loader_key)
        if loader is not None:
            loader[key] = value

    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if args.no_pin_memory:
            set_loader(split, 'pin_memory', False)
        if args.no_persistent_workers:
            set_loader(split, 'persistent_workers', False)

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    return cfg


def resolve_resume(cfg: Config) -> Optional[dict]:
    """Check the checkpoint a resume will use, before the runner reads it; returns its meta.

    ``--resume`` alone: the newest intact checkpoint of the work dir (a damaged newer one is
    passed over with a warning naming both); none at all starts afresh, as in MMEngine.
    ``--resume PATH``: PATH must be intact, else a clear error naming it and the fault.
    """
    if not cfg.get('resume'):
        return None
    if not cfg.get('load_from'):
        path = find_resumable_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
        if path is None:
            return None
        cfg.load_from = path
    return check_resumable(cfg.load_from).get('meta', {})


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    resolve_resume(cfg)
    runner = build_runner(cfg)
    runner.logger.info(args.threads_line)
    runner.train()


def cli(argv=None):
    run_cli(main, argv, resumable=True)


if __name__ == '__main__':
    cli()
