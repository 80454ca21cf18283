"""Train with the MMEngine runner: ``python tools/train.py CONFIG [options]``.

Same flags and behaviour as mmpretrain's tools/train.py; multi-process training also works on
machines without CUDA (gloo), e.g. ``torchrun --nproc_per_node=2 tools/train.py CFG --launcher pytorch``.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmkd  # noqa: F401  (safe checkpoint loading, registries)
from mmkd.utils import setup_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model (distillation or not)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or without a value from the latest one in '
        'the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed precision training (GPU)')
    parser.add_argument('--no-validate', action='store_true', help='skip validation in training')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale lr by batch size')
    parser.add_argument(
        '--no-pin-memory', action='store_true', help='do not pin memory in data loaders')
    parser.add_argument(
        '--no-persistent-workers', action='store_true',
        help='do not keep data loader workers between epochs')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config keys, e.g. model.teacher_ckpt=path/to/teacher.pth')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line flags to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

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


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
