"""Weights-only checkpoint loading with an allow-list of the types MMEngine stores.

MMEngine 0.10.7 calls ``torch.load(filename)`` without ``weights_only``. Since torch 2.6 that means
``weights_only=True`` with torch's default allow-list, which refuses the ``HistoryBuffer`` objects
(and NumPy arrays inside them) that MMEngine puts in every checkpoint's ``message_hub``, so resuming
fails. Turning weights-only loading off would let a checkpoint run arbitrary code. Instead, mmkd
replaces MMEngine's loader for local files with one that keeps ``weights_only=True`` and allows,
for the duration of that one call, exactly the extra types listed here.
"""
import os.path as osp
import pickle
from typing import Iterable, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a Python object that is not in the allow-list."""


class CheckpointFileError(ValueError):
    """A checkpoint file cannot be used; the message names the file and the fault."""


class DamagedCheckpointError(CheckpointFileError):
    """The file is a checkpoint whose bytes are incomplete or corrupt (a cut-short write)."""


class NotACheckpointError(CheckpointFileError):
    """The file is not a torch checkpoint at all."""


# torch.save writes a zip archive; files of torch < 1.6 (and RepDistiller's) are plain pickles.
_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_MAGIC = b'\x80'


# Extra types users allowed through ``allow_checkpoint_types``.
_USER_TYPES: List[object] = []


def _numpy_types() -> List[object]:
    """The NumPy callables and classes that unpickling plain arrays and scalars needs."""
    try:  # NumPy >= 2 keeps them in numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
        np.uint32, np.uint64, np.float16, np.float32, np.float64, np.str_)]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


# The statistics HistoryBuffer registers for itself (its __init__ fills the class's table).
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: object, name: str) -> object:
    """``getattr`` as pickled inside ``HistoryBuffer`` states, and nothing else.

    A ``HistoryBuffer`` pickles its statistics methods (``HistoryBuffer.min`` and so on) as
    ``getattr(HistoryBuffer, 'min')``. Allowing the builtin ``getattr`` would let a file reach
    any attribute of any allowed object, so only that lookup is accepted.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def checkpoint_safe_globals() -> List[object]:
    """Every type beyond torch's own defaults that mmkd lets a checkpoint contain."""
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'), *_numpy_types(),
            *_USER_TYPES]


def allow_checkpoint_types(types: Iterable[object]) -> None:
    """Add data types (classes, not functions that act) to the checkpoint allow-list.

    Use this for a type of your own that a hook stores in checkpoints. It never turns
    weights-only loading off.
    """
    for t in types:
        if t not in _USER_TYPES:
            _USER_TYPES.append(t)


def load_checkpoint_file(filename: str, map_location=None) -> dict:
    """``torch.load(filename, weights_only=True)`` with mmkd's allow-list.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file holds an object outside the allow-list, e.g. pickled code.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    with open(filename, 'rb') as f:
        head = f.read(4)
    if not head.startswith((_ZIP_MAGIC, _PICKLE_MAGIC)):
        raise NotACheckpointError(
            f'{filename!r} is not a checkpoint: it is neither a torch.save archive nor a '
            f'pickle ({osp.getsize(filename)} bytes starting with {head!r}).')
    if not hasattr(torch.serialization, 'safe_globals'):  # torch < 2.5
        if hasattr(torch.serialization, 'add_safe_globals'):
            torch.serialization.add_safe_globals(checkpoint_safe_globals())
        return _load(filename, map_location)
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        return _load(filename, map_location)


def _load(filename: str, map_location) -> dict:
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except (RuntimeError, OSError, EOFError) as e:
        # What torch raises for a truncated or corrupt archive: "PytorchStreamReader failed
        # reading zip archive", "[Errno 22] Invalid argument", "Ran out of input", ...
        raise DamagedCheckpointError(
            f'checkpoint {filename!r} is damaged or incomplete ({osp.getsize(filename)} bytes), '
            'as after a crash or a full disk during its write; torch said: '
            f'{str(e).splitlines()[0] if str(e) else type(e).__name__}') from e
    except pickle.UnpicklingError as e:
        if 'WeightsUnpickler' not in str(e) and 'weights_only' not in str(e).lower():
            raise DamagedCheckpointError(
                f'checkpoint {filename!r} is damaged: its data cannot be read ({e})') from e
        raise UnsafeCheckpointError(
            f'Refused to load {filename!r}: it holds a Python object that is not plain '
            'checkpoint data, and mmkd loads checkpoints weights-only. If the file comes '
            'from a source you trust and the object is a data type, add it with '
            f'`mmkd.utils.allow_checkpoint_types([...])`. torch said: {_reason(e)}') from e


def _reason(error: Exception) -> str:
    # torch's message is long; keep the part that names what was refused.
    text = str(error)
    if 'WeightsUnpickler error:' in text:
        text = text.split('WeightsUnpickler error:', 1)[1]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    named = [ln for ln in lines if 'GLOBAL' in ln or 'not allowed' in ln]
    return (named or lines or [repr(error)])[0]


def register_safe_checkpoint_loader() -> None:
    """Make MMEngine's ``CheckpointLoader`` use :func:`load_checkpoint_file` for local paths.

    Every MMEngine path that reads a local checkpoint (``load_checkpoint``, ``Runner.resume``,
    ``Runner.load_checkpoint``, ``init_model``) goes through this scheme.
    """
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_weights_only, force=True)


def load_from_weights_only(filename: str, map_location=None) -> dict:
    """:func:`load_checkpoint_file` under the name MMEngine prints: it logs
    ``Loads checkpoint by <name[10:]> backend``, i.e. "by weights_only backend"."""
    return load_checkpoint_file(filename, map_location)


_TMP_SUFFIX = '.tmp'


def atomic_write_leftovers(folder: str, name_pattern: str) -> List[str]:
    """Temporary files that :func:`atomic_write` left in ``folder`` for targets matching
    ``name_pattern`` (a glob such as ``'epoch_*.pth'``) when a kill cut the write short."""
    import glob
    return glob.glob(osp.join(folder, f'.{name_pattern}.*{_TMP_SUFFIX}'))


def _umask() -> int:
    import os
    mask = os.umask(0)  # the only way to read it: set, then put back at once
    os.umask(mask)
    return mask


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is always the old file or the whole new one:
    a temporary file in the same folder, flushed and synced, then renamed over ``path``."""
    import os
    import tempfile
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix=_TMP_SUFFIX, dir=folder)
    try:
        # mkstemp makes the file owner-only (0600); give it the mode a plain open() would
        # (0666 less the umask), so a shared checkpoint is as readable as MMEngine's.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - some file systems do not sync folders
        pass


def save_checkpoint_file(obj, path: str) -> None:
    """``torch.save(obj, path)``, written atomically (see :func:`atomic_write`)."""
    import io
    with io.BytesIO() as buf:
        torch.save(obj, buf)
        atomic_write(path, buf.getvalue())
