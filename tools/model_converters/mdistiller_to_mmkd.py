"""Convert a RepDistiller / mdistiller CIFAR checkpoint into an mmkd checkpoint.

    python tools/model_converters/mdistiller_to_mmkd.py SRC DST [--arch resnet32x4]
        [--config configs/_base_/models/cifar/resnet32x4.py] [--part student|teacher]

SRC is what those projects publish or save: a teacher (``{'model': state_dict, 'epoch',
'best_acc', 'optimizer'}``, e.g. ``cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.pth``), an
mdistiller student (``{'model': state_dict}``) or trainer checkpoint (``student.``/``teacher.``
parts, take one with ``--part``). DST holds ``state_dict`` for the matching base config in
``configs/_base_/models/cifar/`` (``backbone.*`` and ``head.fc.*``), to use as ``teacher_ckpt``
or ``load_from``. The network is checked by loading the converted weights strictly into the
model of ``--config``, of ``--arch``, or (by default) of the zoo network whose layout matches,
and the tool stops with the mismatching keys otherwise. SRC is read with
``torch.load(weights_only=True)``.
"""
import argparse
import os.path as osp
import sys

import torch

import mmkd  # noqa: F401
from mmkd.models.backbones.cifar import (CIFAR_ZOO, cifar_classifier, convert_reference_state_dict,
                                         reference_state_dict)
from mmkd.utils import load_checkpoint_file
from mmkd.utils.checkpoint import save_checkpoint_file


def _build(model_cfg):
    from mmkd.models.utils import build_model
    return build_model(model_cfg, 'model')


def _layout_mismatch(model: torch.nn.Module, state: dict) -> str:
    """'' when ``state`` fits ``model`` exactly, else a short description of why not."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f'{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}' for k, v in expected.items()
              if k in state and state[k].shape != v.shape]
    parts = [f'{name} ({len(keys)}): {", ".join(keys[:4])}{" ..." if len(keys) > 4 else ""}'
             for name, keys in (('missing', missing), ('unexpected', unexpected),
                                ('shape mismatch', shapes)) if keys]
    return '; '.join(parts)


def match_arch(state: dict) -> str:
    """The zoo network whose parameter layout equals ``state``'s."""
    num_classes, features = state['head.fc.weight'].shape
    layout = {k: tuple(v.shape) for k, v in state.items()}
    # only networks with the classifier's input width can match: build just those
    for name in (n for n, (_, channels) in CIFAR_ZOO.items() if channels == features):
        model = _build(cifar_classifier(name, num_classes))
        if {k: tuple(v.shape) for k, v in model.state_dict().items()} == layout:
            return name
    raise SystemExit('the checkpoint matches none of the zoo networks '
                     f'({", ".join(CIFAR_ZOO)}); pass --config for another model')


def convert(src: str, dst: str, arch: str = None, config: str = None,
            part: str = 'student') -> dict:
    """Convert ``src`` to ``dst``; return the saved checkpoint."""
    checkpoint = load_checkpoint_file(src, map_location='cpu')
    try:
        state = convert_reference_state_dict(reference_state_dict(checkpoint, part))
    except ValueError as e:
        raise SystemExit(f'{src}: {e}')
    num_classes = state['head.fc.weight'].shape[0]
    if config or arch:
        if config:
            from mmengine.config import Config
            model_cfg, target = Config.fromfile(config).model, config
        elif arch not in CIFAR_ZOO:
            raise SystemExit(f'--arch {arch!r} is not a zoo network; choose from '
                             f'{", ".join(CIFAR_ZOO)}')
        else:
            model_cfg, target = cifar_classifier(arch, num_classes), arch
        problem = _layout_mismatch(_build(model_cfg), state)
        if problem:
            raise SystemExit(f'{src} does not fit {target}: {problem}')
    else:
        arch = match_arch(state)  # the layout is then known to fit
    meta = dict(converted_from=osp.basename(src), arch=arch, num_classes=num_classes)
    for key in ('epoch', 'best_acc'):
        value = checkpoint.get(key) if isinstance(checkpoint, dict) else None
        if isinstance(value, (int, float)) or (torch.is_tensor(value) and value.numel() == 1):
            meta[key] = float(value)
    out = dict(meta=meta, state_dict=state)
    save_checkpoint_file(out, dst)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='RepDistiller/mdistiller checkpoint')
    parser.add_argument('dst', help='mmkd checkpoint to write')
    parser.add_argument('--arch', help=f'zoo network name: {", ".join(CIFAR_ZOO)}')
    parser.add_argument('--config', help='a model config to check the result against')
    parser.add_argument('--part', default='student', choices=('student', 'teacher'),
                        help='which network of an mdistiller trainer checkpoint to take')
    args = parser.parse_args(argv)
    out = convert(args.src, args.dst, args.arch, args.config, args.part)
    print(f'{args.dst}: {out["meta"]["arch"] or args.config}, {len(out["state_dict"])} tensors, '
          f'{out["meta"]["num_classes"]} classes')


if __name__ == '__main__':
    sys.exit(main())
