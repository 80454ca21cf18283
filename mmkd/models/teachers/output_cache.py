"""A teacher-output cache: the teacher's logits for every (epoch slot, sample), stored once and
read by any number of student runs, in the spirit of FKD ("A Fast Knowledge Distillation
Framework for Visual Recognition", Shen & Xing, ECCV 2022).

A cache is a directory::

    meta.json            what it was built from (checked before use) and how
    fingerprint.npy      (S, N) int64: hash of the replayed inputs each entry was computed on
    written.npy          (S, N) bool: entries filled (a build can be resumed)
    topk_logp.npy        (S, N, k) float16/32: the k largest log-probabilities  \\ top-k form
    topk_index.npy       (S, N, k) int16/32: their classes                       /
    logits.npy           (S, N, C) float16/32: the full logits                  (full form)

Every array is a ``.npy`` file opened memory-mapped: readers share the operating system's
page cache, processes of one build write disjoint entries of the same files, and a cache
built by N processes is read by M. The top-k form keeps what FKD keeps (the k largest
probabilities at temperature 1 with their classes); the full form keeps the logits as the
teacher gave them.
"""
import hashlib
import json
import logging
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from mmkd.utils.config_errors import KDConfigError, check_keys

# 2: 32-bit CRC input fingerprints, the pipeline described transform by transform, the
# teacher checkpoint's hash a record (a differing file warns) rather than a check.
FORMAT_VERSION = 2
DTYPES = ('float16', 'float32')
CACHE_KEYS = ('dir', 'topk', 'full_logits', 'dtype', 'recorder', 'verify_inputs')
# Fields of meta.json that must equal the training run's, with what they mean to a user.
CHECKED_FIELDS = {
    'teacher': 'the teacher architecture (model.teacher) differs',
    'teacher_inputs': 'the teacher\'s input normalisation (model.data_preprocessor / '
                      'model.teacher_data_preprocessor) differs',
    'recorder': 'the cached teacher recorder (model.distiller.teacher_recorders.<recorder>) '
                'differs',
    'topk': 'k (model.teacher_cache.topk) differs',
    'full_logits': 'model.teacher_cache.full_logits differs',
}
DATASET_FIELDS = {
    'dataset': 'the training dataset type differs',
    'num_samples': 'the number of training samples differs',
    'pipeline': 'the training pipeline differs',
    'seed': 'the replay seed (ReplayableDataset.seed) differs',
    'num_slots': 'the number of augmentation slots (ReplayableDataset.num_slots) differs',
}


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def canonical(obj) -> str:
    """A stable text of a config (sorted keys), for comparing what a cache was built from."""
    return json.dumps(obj, sort_keys=True, default=repr)


def describe_preprocessor(preprocessor) -> dict:
    """The normalisation a ``ClsDataPreprocessor`` applies (what the teacher's inputs are)."""
    def values(name):
        t = getattr(preprocessor, name, None)
        return None if t is None else [round(float(v), 6) for v in t.flatten()]

    return dict(type=type(preprocessor).__name__, mean=values('mean'), std=values('std'),
                to_rgb=bool(getattr(preprocessor, '_channel_conversion', False)))


def check_cache_options(cfg, key: str = 'model.teacher_cache') -> dict:
    """Validate ``model.teacher_cache``: ``dir``, exactly one of ``topk=k`` and
    ``full_logits=True``, ``dtype`` (``'float16'`` or ``'float32'``, of what is stored),
    ``recorder`` (the teacher recorder the cache serves, default ``'logits'``) and
    ``verify_inputs`` (compare every replayed input's fingerprint, default True)."""
    if not isinstance(cfg, dict):
        raise KDConfigError(f'{key} must be a dict with keys {list(CACHE_KEYS)}, got {cfg!r}')
    check_keys(cfg, CACHE_KEYS, key)
    if not isinstance(cfg.get('dir'), str) or not cfg['dir']:
        raise KDConfigError(f'{key}.dir must be the path of the cache directory, got '
                            f'{cfg.get("dir")!r}')
    topk, full = cfg.get('topk'), bool(cfg.get('full_logits', False))
    if full == (topk is not None):
        raise KDConfigError(f'{key}: give exactly one of topk=k (the k largest teacher '
                            'probabilities, FKD\'s form) and full_logits=True')
    if topk is not None and (not isinstance(topk, int) or topk < 1):
        raise KDConfigError(f'{key}.topk must be an int >= 1, got {topk!r}')
    dtype = cfg.get('dtype', 'float16')
    if dtype not in DTYPES:
        raise KDConfigError(f'{key}.dtype={dtype!r} is not valid; choose one of {list(DTYPES)}')
    recorder = cfg.get('recorder', 'logits')
    if not isinstance(recorder, str):
        raise KDConfigError(f'{key}.recorder must be the name of a teacher recorder, got '
                            f'{recorder!r}')
    return dict(dir=osp.expanduser(cfg['dir']), topk=topk, full_logits=full, dtype=dtype,
                recorder=recorder, verify_inputs=bool(cfg.get('verify_inputs', True)))


def _array_specs(meta: dict) -> Dict[str, tuple]:
    s, n = meta['num_slots'], meta['num_samples']
    specs = dict(fingerprint=((s, n), np.int64), written=((s, n), np.bool_))
    if meta['full_logits']:
        specs['logits'] = ((s, n, meta['num_classes']), np.dtype(meta['dtype']))
    else:
        k = meta['topk']
        index_dtype = np.int16 if meta['num_classes'] <= np.iinfo(np.int16).max else np.int32
        specs['topk_logp'] = ((s, n, k), np.dtype(meta['dtype']))
        specs['topk_index'] = ((s, n, k), index_dtype)
    return specs


def _write_meta(path: str, meta: dict) -> None:
    tmp = osp.join(path, f'meta.json.{os.getpid()}.tmp')
    with open(tmp, 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    os.replace(tmp, osp.join(path, 'meta.json'))


def read_meta(path: str, key: str = 'model.teacher_cache.dir') -> dict:
    meta_file = osp.join(path, 'meta.json')
    if not osp.isfile(meta_file):
        raise KDConfigError(
            f'{key}={path!r}: no teacher cache there (no meta.json). Build it first: '
            'mmkd-build-teacher-cache CONFIG (tools/build_teacher_cache.py).')
    with open(meta_file) as f:
        meta = json.load(f)
    if meta.get('format') != FORMAT_VERSION:
        raise KDConfigError(f'{key}={path!r}: cache format {meta.get("format")!r}, this mmkd '
                            f'reads format {FORMAT_VERSION}; rebuild the cache')
    return meta


def teacher_cache_fields(teacher_cfg, teacher_ckpt: Optional[str], preprocessor, recorder,
                         options: dict) -> dict:
    """What a cache must have been built from for a run: the checked fields of meta.json,
    and the SHA-256 of the teacher checkpoint when the file is on disk (the builder needs it;
    training does not)."""
    path = osp.expanduser(teacher_ckpt) if isinstance(teacher_ckpt, str) else None
    return dict(teacher_checkpoint_sha256=file_sha256(path) if path and osp.isfile(path)
                else None,
                teacher=canonical(teacher_cfg),
                teacher_inputs=canonical(describe_preprocessor(preprocessor)),
                recorder=canonical(dict(type=type(recorder).__name__, source=recorder.source)),
                topk=options['topk'], full_logits=options['full_logits'])


def topk_to_logits(logp: torch.Tensor, index: torch.Tensor, num_classes: int) -> torch.Tensor:
    r"""Logits that give back a top-k target: the k stored log-probabilities at their classes,
    and the missing mass spread evenly over the other K - k classes (FKD's rule),

    .. math::
        \tilde z_c = \log p_c \ (c \in \text{top-}k), \qquad
        \tilde z_c = \log\frac{1 - \sum_{j \in \text{top-}k} p_j}{K - k} \ \text{otherwise}.

    ``softmax(z̃)`` is then exactly that target. ``softmax(z̃ / τ)`` at another temperature
    keeps the top-k classes' order and makes the tail flat: the true tail's shape is not
    stored. z̃ equals the teacher's logits up to a constant per sample only where k = K."""
    logp = logp.float()
    k = logp.size(1)
    if k >= num_classes:
        out = torch.empty(logp.size(0), num_classes, dtype=torch.float32, device=logp.device)
        return out.scatter_(1, index.long(), logp)
    tail = (1 - logp.exp().sum(1, keepdim=True)).clamp_min(torch.finfo(torch.float32).tiny)
    fill = (tail / (num_classes - k)).log()
    out = fill.expand(-1, num_classes).clone()
    return out.scatter_(1, index.long(), logp)


class TeacherOutputCache:
    """Reads a complete cache (memory-mapped, read-only) and serves a batch's teacher logits.

    Args:
        options (dict): checked ``model.teacher_cache`` (see :func:`check_cache_options`).
        expected (dict): what the training run would compute the teacher's outputs from
            (the fields of ``CHECKED_FIELDS``); any difference is an error that names it.
    """

    def __init__(self, options: dict, expected: dict) -> None:
        self.options = options
        self.path = options['dir']
        self.meta = read_meta(self.path)
        if not self.meta.get('complete'):
            done = self._open('written').mean() if osp.isfile(self._file('written')) else 0
            raise KDConfigError(
                f'model.teacher_cache.dir={self.path!r}: the cache is incomplete ({done:.1%} of '
                'its entries written; a build was interrupted). Run the builder again: it '
                'continues where it stopped.')
        _compare(self.meta, expected, CHECKED_FIELDS, f'model.teacher_cache.dir={self.path!r}')
        self._check_teacher_file(expected.get('teacher_checkpoint_sha256'),
                                 expected.get('teacher_ckpt'))
        self.arrays = {name: self._open(name) for name in _array_specs(self.meta)}
        self.num_classes = self.meta['num_classes']

    def _check_teacher_file(self, sha256: Optional[str], path: Optional[str]) -> None:
        """The cache holds the teacher's outputs, so the teacher file need not exist; when
        it does and is not the file the cache was built from, say so."""
        from mmengine.logging import print_log
        built_from = self.meta.get('teacher_checkpoint_sha256')
        if sha256 is not None and sha256 != built_from:
            print_log(
                f'model.teacher_ckpt={path!r} is not the checkpoint the teacher cache '
                f'{self.path!r} was built from (SHA-256 {sha256[:12]}... against '
                f'{str(built_from)[:12]}...): training reads the cached outputs of the '
                'teacher it was built from. Rebuild the cache (mmkd-build-teacher-cache) to '
                'distil the new teacher.', logger='current', level=logging.WARNING)

    def _file(self, name: str) -> str:
        return osp.join(self.path, f'{name}.npy')

    def _open(self, name: str) -> np.ndarray:
        return np.load(self._file(name), mmap_mode='r')

    def check_dataset(self, description: dict) -> None:
        """Refuse a training set other than the one the cache was built on."""
        _compare(self.meta['data'], description, DATASET_FIELDS,
                 f'model.teacher_cache.dir={self.path!r} against train_dataloader.dataset')

    def lookup(self, data_samples: Sequence, device=None) -> torch.Tensor:
        """The cached teacher logits of a batch, (B, C) float32, from each sample's
        ``sample_idx`` and ``replay_slot``; its ``replay_fingerprint`` must match."""
        try:
            idx = np.array([s.sample_idx for s in data_samples], dtype=np.int64)
            slot = np.array([s.replay_slot for s in data_samples], dtype=np.int64)
            prints = np.array([s.replay_fingerprint for s in data_samples], dtype=np.int64)
        except AttributeError as e:
            raise KDConfigError(
                'model.teacher_cache: the batch does not come from a ReplayableDataset '
                f'({e}); wrap the training set: train_dataloader.dataset=dict('
                "type='ReplayableDataset', ...)") from e
        if slot.max() >= self.meta['num_slots']:
            raise KDConfigError(f'model.teacher_cache: slot {slot.max()} is beyond the cache\'s '
                                f'{self.meta["num_slots"]} slots')
        if self.options['verify_inputs']:
            stored = self.arrays['fingerprint'][slot, idx]
            bad = np.flatnonzero(stored != prints)
            if bad.size:
                i = bad[0]
                raise RuntimeError(
                    f'teacher cache {self.path!r}: sample {idx[i]} in slot {slot[i]} is not the '
                    'view the cache was built on (input fingerprints differ in '
                    f'{bad.size} of {len(idx)} samples of this batch). The data files, the '
                    'pipeline\'s code or a library\'s random stream changed since the build; '
                    'rebuild the cache.')
        if self.meta['full_logits']:
            logits = torch.from_numpy(np.asarray(self.arrays['logits'][slot, idx]))
            return logits.to(device=device, dtype=torch.float32)
        logp = torch.from_numpy(np.asarray(self.arrays['topk_logp'][slot, idx]))
        index = torch.from_numpy(np.asarray(self.arrays['topk_index'][slot, idx]).astype(np.int64))
        return topk_to_logits(logp.to(device), index.to(device), self.num_classes)


def _compare(meta: dict, expected: dict, fields: Dict[str, str], where: str) -> None:
    differ = [f for f in fields if f in expected and meta.get(f) != expected[f]]
    if differ:
        lines = '; '.join(f'{fields[f]} ({first_difference(meta.get(f), expected[f])})'
                          for f in differ)
        raise KDConfigError(f'{where} was built for another setting: {lines}. Rebuild the '
                            'cache for this config, or point teacher_cache.dir elsewhere.')


def first_difference(cached, now) -> str:
    """Where ``cached`` and ``now`` first differ, in words: for lists (a pipeline's transforms)
    the first transform that differs and, in it, the first argument; for canonical configs
    (JSON text) the first key whose value differs; otherwise both values."""
    if isinstance(cached, str) and isinstance(now, str):
        try:
            return _json_difference(json.loads(cached), json.loads(now), '')
        except ValueError:
            return _repr_difference(cached, now)
    if isinstance(cached, list) and isinstance(now, list):
        for i, (a, b) in enumerate(zip(cached, now)):
            if a != b:
                return f'transform {i}: {first_difference(a, b)}'
        if len(cached) != len(now):
            longer, which = (cached, 'the cache') if len(cached) > len(now) else (now, 'now')
            return (f'{len(cached)} transforms in the cache, {len(now)} now; the first one only '
                    f'{which} has is {_short(longer[min(len(cached), len(now))])}')
    return f'cache: {_short(cached)}, now: {_short(now)}'


def _json_difference(a, b, path: str) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key, _MISSING) != b.get(key, _MISSING):
                return _json_difference(a.get(key, _MISSING), b.get(key, _MISSING),
                                        f'{path}.{key}' if path else key)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _json_difference(x, y, f'{path}[{i}]')
    return f'{path or "value"}: cache {_short(a)}, now {_short(b)}'


_MISSING = '(not set)'


def _split_top_level(text: str) -> List[str]:
    """``text`` split at commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in '([{':
            depth += 1
        elif ch in ')]}':
            depth -= 1
        elif ch == ',' and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _repr_difference(a: str, b: str) -> str:
    """For two ``Name(k=v, ...)`` reprs (mmcv's transforms): the name and the first argument
    that differs; otherwise the first differing characters with some context."""
    def split(text):
        head, sep, rest = text.partition('(')
        return (head.strip(), _split_top_level(rest[:-1])) if sep and rest.endswith(')') \
            else (None, None)

    (name_a, args_a), (name_b, args_b) = split(a), split(b)
    if name_a is not None and name_a == name_b:
        for x, y in zip(args_a, args_b):
            if x != y:
                return f'{name_a}: cache {x}, now {y}'
    elif name_a is not None and name_b is not None:
        return f'cache {_short(a)}, now {_short(b)}'
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 30)
    return f'cache: ...{a[lo:i + 50]}..., now: ...{b[lo:i + 50]}...'


def _short(value, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= limit else text[:limit] + '...'


class TeacherCacheWriter:
    """Creates (or continues) a cache and writes entries; every process of a build opens the
    same files and writes its own entries.

    ``meta`` holds the checked fields, ``data`` (the dataset's description), ``num_slots``,
    ``num_samples``, ``num_classes``, ``topk``, ``full_logits`` and ``dtype``. Call
    :meth:`prepare` on one process, then :meth:`open` on every process (after a barrier),
    :meth:`write` for each batch, then :meth:`finish` on one process after every process
    has flushed."""

    def __init__(self, path: str, meta: dict) -> None:
        self.path, self.meta = path, dict(meta, format=FORMAT_VERSION)
        self.arrays: Dict[str, np.ndarray] = {}

    def prepare(self, overwrite: bool = False) -> str:
        """Make the files; returns ``'new'``, ``'continue'`` (same setting, partly built) or
        ``'complete'`` (same setting, nothing to do)."""
        if osp.isfile(osp.join(self.path, 'meta.json')):
            old = read_meta(self.path, 'cache')
            same = all(old.get(f) == self.meta.get(f) for f in
                       list(CHECKED_FIELDS) + ['teacher_checkpoint_sha256', 'data',
                                               'num_slots', 'num_samples', 'dtype'])
            if same and not overwrite:
                return 'complete' if old.get('complete') else 'continue'
            if not overwrite:
                raise KDConfigError(
                    f'{self.path!r} holds a teacher cache of another setting; give another '
                    'directory or --overwrite')
        os.makedirs(self.path, exist_ok=True)
        _write_meta(self.path, dict(self.meta, complete=False, created=time.time()))
        for name, (shape, dtype) in _array_specs(self.meta).items():
            arr = np.lib.format.open_memmap(osp.join(self.path, f'{name}.npy'), mode='w+',
                                            dtype=dtype, shape=shape)
            arr.flush()
            del arr
        return 'new'

    def open(self) -> np.ndarray:
        """Open every array for writing; returns the ``written`` mask (S, N)."""
        self.arrays = {name: np.load(osp.join(self.path, f'{name}.npy'), mmap_mode='r+')
                       for name in _array_specs(self.meta)}
        return self.arrays['written']

    def write(self, slots: np.ndarray, idx: np.ndarray, fingerprints: np.ndarray,
              logits: torch.Tensor) -> None:
        logits = logits.detach().float().cpu()
        if logits.dim() != 2 or logits.size(1) != self.meta['num_classes']:
            raise KDConfigError(
                f'the cached teacher recorder gave a tensor of shape {tuple(logits.shape)}; a '
                f'cache holds (batch, {self.meta["num_classes"]}) logits')
        dtype = np.dtype(self.meta['dtype'])
        if self.meta['full_logits']:
            self.arrays['logits'][slots, idx] = logits.numpy().astype(dtype)
        else:
            logp = torch.log_softmax(logits, dim=1)
            values, index = logp.topk(self.meta['topk'], dim=1)
            self.arrays['topk_logp'][slots, idx] = values.numpy().astype(dtype)
            self.arrays['topk_index'][slots, idx] = index.numpy()
        self.arrays['fingerprint'][slots, idx] = fingerprints
        self.arrays['written'][slots, idx] = True

    def flush(self) -> None:
        for arr in self.arrays.values():
            arr.flush()

    def finish(self, info: dict) -> None:
        written = np.load(osp.join(self.path, 'written.npy'), mmap_mode='r')
        if not written.all():
            raise RuntimeError(f'teacher cache {self.path!r}: {int((~written).sum())} entries '
                               'were not written')
        old = read_meta(self.path, 'cache')
        _write_meta(self.path, dict(old, complete=True, **info))


def entry_bytes(meta: dict) -> int:
    """Bytes one (slot, sample) entry takes on disk."""
    return sum(int(np.prod(shape[2:], dtype=np.int64)) * np.dtype(dtype).itemsize
               for shape, dtype in _array_specs(meta).values())


def shard(num_slots: int, num_samples: int, rank: int, world_size: int,
          written: Optional[np.ndarray] = None) -> List[tuple]:
    """This process's (slot, idx) entries of a build, slot-major, skipping written ones."""
    flat = np.arange(num_slots * num_samples)[rank::world_size]
    pairs = np.stack(np.divmod(flat, num_samples), axis=1)
    if written is not None:
        pairs = pairs[~written[pairs[:, 0], pairs[:, 1]]]
    return [tuple(map(int, p)) for p in pairs]
