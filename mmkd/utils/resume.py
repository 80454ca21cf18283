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
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from .checkpoint import CheckpointFileError, load_checkpoint_file

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
            'checkpoint of tools/train.py is needed; to start from plain weights, use '
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
