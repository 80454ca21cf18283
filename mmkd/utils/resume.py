"""Choosing the checkpoint a run resumes from, and checking it before the runner uses it.

MMEngine's automatic resume reads the path in ``<work_dir>/last_checkpoint`` and loads it; a
damaged file there ends the run with torch's low-level error. Here every candidate is loaded
(weights-only) and checked for what a resume needs before the runner sees it; the newest intact
one wins, with a warning that names the damaged file and the one used instead.
"""
import glob
import logging
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from .checkpoint import CheckpointFileError, load_checkpoint_file
from .commands import command

# What MMEngine's Runner.resume reads from a checkpoint.
RESUME_KEYS = ('meta', 'state_dict', 'optimizer')


def check_resumable(path: str) -> dict:
    """Load ``path`` and check that a run can resume from it; return the checkpoint.

    Raises:
        FileNotFoundError, DamagedCheckpointError, NotACheckpointError, UnsafeCheckpointError:
            the file cannot be read (each names the file and the fault).
        CheckpointFileError: it loads but lacks what a resume needs (a plain model checkpoint,
            e.g. an exported student or a teacher).
    """
    ckpt = load_checkpoint_file(path, map_location='cpu')
    missing = [k for k in RESUME_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    if not missing and not ('epoch' in meta and 'iter' in meta):
        missing = ['meta.epoch', 'meta.iter']
    if missing:
        raise CheckpointFileError(
            f'checkpoint {path!r} cannot be resumed from: it lacks {missing} (it has '
            f'{sorted(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__}). A training '
            f'checkpoint of `{command("train")}` is needed; to start from plain weights, use '
            '`load_from` without --resume.')
    return ckpt


def _step(path: str) -> Tuple[int, float]:
    m = re.search(r'(\d+)\.pth$', osp.basename(path))
    return (int(m.group(1)) if m else -1, osp.getmtime(path))


def resume_candidates(work_dir: str) -> List[str]:
    """The checkpoints of ``work_dir`` to try, best first: the one ``last_checkpoint`` names,
    then ``epoch_*.pth`` / ``iter_*.pth`` from the highest step down."""
    found = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')) +
                   glob.glob(osp.join(work_dir, 'iter_*.pth')), key=_step, reverse=True)
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8', errors='replace') as f:
            named = f.read().strip()
    if named:
        found = [named] + [p for p in found if osp.abspath(p) != osp.abspath(named)]
    return found


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest intact checkpoint of ``work_dir`` (None when there is none at all), with a
    warning for each damaged one passed over."""
    candidates = resume_candidates(work_dir)
    skipped = []
    for path in candidates:
        try:
            check_resumable(path)
        except (CheckpointFileError, FileNotFoundError, OSError) as e:
            skipped.append((path, e))
            continue
        for bad, why in skipped:
            print_log(f'Not resuming from {bad}: {why}. Resuming from {path} instead, the newest '
                      'intact checkpoint.', logger='current', level=logging.WARNING)
        return path
    if skipped:
        details = '; '.join(f'{p}: {e}' for p, e in skipped)
        raise CheckpointFileError(f'no intact checkpoint to resume from in {work_dir}: {details}')
    return None


class CheckpointMismatchError(CheckpointFileError):
    """A readable checkpoint that does not fit the run's model or optimizer."""


def _examples(keys: Sequence[str], limit: int = 3) -> str:
    shown = ', '.join(repr(k) for k in keys[:limit])
    return shown + (f' and {len(keys) - limit} more' if len(keys) > limit else '')


def _prefix_diagnosis(missing: Sequence[str], unexpected: Sequence[str]) -> str:
    """A sentence when the two key sets differ by one leading prefix (a plain model's
    checkpoint given to a distillation config, or the reverse)."""
    if not missing or not unexpected:
        return ''
    for extra, short, where in ((missing, unexpected, 'model'),
                                (unexpected, missing, 'checkpoint')):
        first = extra[0]
        for s in short:
            if first.endswith('.' + s):
                prefix = first[:-len(s)]
                matched = sum(k.startswith(prefix) and k[len(prefix):] in set(short)
                              for k in extra)
                if matched >= len(extra) / 2:
                    if where == 'model':
                        return (f' The model keeps these weights under {prefix!r} and the '
                                'checkpoint without it: the checkpoint is a plain model\'s (a '
                                'model trained alone, a teacher, an exported student), not a '
                                'checkpoint of this config\'s run.')
                    return (f' The checkpoint keeps these weights under {prefix!r}: it is a '
                            'distillation checkpoint; extract the model with '
                            'mmkd-extract-student (tools/model_converters/extract_student.py) '
                            'or use the distillation config it was trained with.')
    return ''


def check_model_fits(model, checkpoint: dict, path: str, strict: bool = True) -> None:
    """Raise a :class:`CheckpointMismatchError` when ``checkpoint`` does not fit ``model``.

    The checkpoint's weights are loaded into ``model`` as MMEngine then loads them (keys
    ``module.*`` stripped, the model's own load hooks applied: a frozen teacher missing, the
    teachers of a test-time algorithm ignored), and any shape that differs is an error; with
    ``strict``, so is any key missing from the checkpoint or not in the model.
    """
    import torch
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointMismatchError(f'checkpoint {path!r} holds no state dict of weights')
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    own = model.state_dict()
    shapes = [f'{k}: checkpoint {tuple(v.shape)}, model {tuple(own[k].shape)}'
              for k, v in state.items() if k in own and torch.is_tensor(v)
              and tuple(v.shape) != tuple(own[k].shape)]
    fitting = {k: v for k, v in state.items()
               if not (k in own and torch.is_tensor(v) and tuple(v.shape) != tuple(own[k].shape))}
    result = model.load_state_dict(fitting, strict=False)
    missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    if not shapes and (not strict or not (missing or unexpected)):
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} of the model\'s keys are not in it ({_examples(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} of its keys are not in the model '
                     f'({_examples(unexpected)})')
    if shapes:
        parts.append(f'{len(shapes)} shape(s) differ ({"; ".join(shapes[:3])})')
    raise CheckpointMismatchError(
        f'checkpoint {path!r} does not fit the model of this config '
        f'({type(model).__name__}): {"; ".join(parts)}.'
        + _prefix_diagnosis(missing, unexpected)
        + ' Give a checkpoint of this config\'s own run (its work dir), or start this run '
        'afresh. No checkpoint of the work dir was changed.')


def optimizer_layout(state) -> object:
    """The parameter-group sizes of an optimizer wrapper's state dict (an
    ``OptimWrapperDict``'s: per name), or None if it is not one."""
    if not isinstance(state, dict):
        return None
    if 'param_groups' in state:
        return [len(g.get('params', ())) for g in state['param_groups']]
    layouts = {name: optimizer_layout(inner) for name, inner in state.items()}
    return layouts if layouts and all(v is not None for v in layouts.values()) else None


def check_optimizer_fits(optim_wrapper, checkpoint: dict, path: str) -> None:
    """Raise a :class:`CheckpointMismatchError` when the optimizer state of ``checkpoint``
    has other parameter groups than ``optim_wrapper``'s (what torch reports as "loaded state
    dict contains a parameter group that doesn't match the size of optimizer's group")."""
    saved = optimizer_layout(checkpoint.get('optimizer'))
    current = optimizer_layout(optim_wrapper.state_dict())
    if saved is None or current is None or saved == current:
        return
    raise CheckpointMismatchError(
        f'checkpoint {path!r} cannot be resumed by this run: its optimizer state has '
        f'parameter groups of sizes {saved}, and this run\'s optimizer {current}. It was '
        'saved by another model or another optimizer config (optim_wrapper, its '
        'paramwise_cfg, trainable connectors or teachers). Resume from a checkpoint of this '
        'config\'s own run; to start from its weights alone, set load_from to it without '
        '--resume. No checkpoint of the work dir was changed.')


class RunComplete(Exception):
    """The checkpoint a run resumes from already ends it: nothing to train."""

    def __init__(self, path: str, unit: str, done: int, total: int) -> None:
        super().__init__(f'{unit} {done} of {total}')
        self.path, self.unit, self.done, self.total = path, unit, done, total


def check_not_complete(train_loop, meta: dict, path: str) -> None:
    """Raise :class:`RunComplete` when ``meta`` (a checkpoint's) is at or past the end of
    ``train_loop`` (an epoch- or iteration-based MMEngine loop)."""
    if getattr(train_loop, 'max_epochs', None) is not None:
        unit, done, total = 'epoch', meta.get('epoch', 0), train_loop.max_epochs
    elif getattr(train_loop, 'max_iters', None) is not None:
        unit, done, total = 'iteration', meta.get('iter', 0), train_loop.max_iters
    else:
        return
    if done >= total:
        raise RunComplete(path, unit, done, total)
