"""Loading a teacher's weights, keeping a teacher out of training checkpoints, and its norm
layers' mode."""
import os.path as osp

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from mmengine.runner.checkpoint import load_checkpoint

from mmkd.utils.checkpoint import CheckpointFileError
from mmkd.utils.config_errors import KDConfigError


def check_teacher_file(path: str, key: str) -> None:
    if not isinstance(path, str) or not osp.isfile(osp.expanduser(path)):
        import os
        from mmkd.utils.commands import command
        where = f' (relative to the current folder, {os.getcwd()})' \
            if isinstance(path, str) and not osp.isabs(osp.expanduser(path)) else ''
        raise KDConfigError(
            f'{key}={path!r}: no such file{where}. Train the teacher first '
            f'(`{command("train")} TEACHER_CONFIG` writes WORK_DIR/epoch_N.pth) or convert a '
            'published checkpoint, and give its path, e.g. with --cfg-options '
            f'{key}=PATH.')


def load_teacher_checkpoint(teacher: nn.Module, path: str, key: str) -> None:
    """Load a teacher's weights (weights-only, every key must match) and mark it initialised."""
    check_teacher_file(path, key)
    try:
        load_checkpoint(teacher, path, map_location='cpu', strict=True,
                        revise_keys=[(r'^module\.', '')])
    except CheckpointFileError as e:  # the file itself is broken, not the config
        raise KDConfigError(f'{key}={path!r}: {e}') from e
    except RuntimeError as e:
        raise KDConfigError(
            f'{key}={path!r} does not fit the teacher config: {e}. If it is a distillation '
            'checkpoint, extract the student with tools/model_converters/extract_student.py.'
        ) from e
    # The runner calls init_weights() before training; it must not overwrite these weights.
    teacher._is_init = True


def exclude_from_checkpoints(module: nn.Module, child: str, keep_norm_stats: bool = False) -> None:
    """Leave ``module.<child>`` out of state dicts, and do not report it missing when loading.

    For frozen teachers: they are rebuilt from their own checkpoints, so storing them again in
    every training checkpoint would only cost disk and time. With ``keep_norm_stats`` the
    running statistics of its norm layers stay in (a teacher whose norm layers run in train
    mode changes them while training).
    """
    stats = set()
    if keep_norm_stats:
        for name, m in module.get_submodule(child).named_modules():
            if isinstance(m, _BatchNorm):
                stats.update(f'{child}.{name}.{b}' for b, _ in m.named_buffers(recurse=False))

    def drop(mod, state_dict, prefix, local_metadata):
        for k in [k for k in state_dict if k.startswith(f'{prefix}{child}.')
                  and k[len(prefix):] not in stats]:
            del state_dict[k]

    def ignore_missing(mod, incompatible_keys):
        missing = incompatible_keys.missing_keys
        missing[:] = [k for k in missing if not k.startswith(f'{child}.')]

    module._register_state_dict_hook(drop)
    module.register_load_state_dict_post_hook(ignore_missing)


def ignore_loaded_entries(module: nn.Module, *children: str) -> None:
    """Drop ``<child>.*`` entries of a state dict loaded into ``module``: children that were not
    built (the teachers of a ``student_only`` algorithm, whose trainable teacher a training
    checkpoint may hold)."""
    prefixes = tuple(f'{c}.' for c in children)

    def drop(state_dict, prefix, *args):
        for k in [k for k in state_dict if k[len(prefix):].startswith(prefixes)]:
            del state_dict[k]

    module._register_load_state_dict_pre_hook(drop)


def set_norm_layers_train(model: nn.Module) -> None:
    """Put every BatchNorm of ``model`` in train mode (batch statistics), the rest unchanged."""
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.train()


def set_norm_layers_eval(model: nn.Module) -> None:
    """Put every BatchNorm of ``model`` in eval mode (running statistics)."""
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
