"""Replayable augmentation: every random draw of a sample's pipeline follows from
(seed, epoch slot, sample index), so a pass over the same slot gives bit-identical inputs."""
import contextlib
import math
import random
import zlib
from typing import Iterator, List, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import get_worker_info

from mmkd.registry import DATASETS
from mmkd.utils.config_errors import KDConfigError
from .sample_index_dataset import SampleIndexDataset, set_metainfo


_MASK64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    # SplitMix64's finaliser: a bijection of 64-bit words whose outputs for neighbouring
    # inputs are unrelated.
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def sample_seed(seed: int, slot: int, idx: int) -> int:
    """A 64-bit seed for one (global seed, epoch slot, sample index): the three integers
    hashed together (SplitMix64), so neighbouring slots or indices give unrelated streams
    (unlike ``seed + slot * N + idx``). Pure integer arithmetic, about half a microsecond."""
    return _mix64(_mix64(_mix64(seed) ^ slot) ^ idx)


def _seed_numpy(seed: int) -> None:
    np.random.seed((seed >> 32) ^ (seed & 0xFFFFFFFF))  # the legacy generator takes 32 bits


def _seed_torch(seed: int) -> None:
    torch.default_generator.manual_seed(seed >> 1)


# The global generators a pipeline may draw from: name -> (seed it from a 64-bit sample seed,
# its state, set its state). mmcv's and mmpretrain's transforms draw from NumPy's; some (and
# torchvision's) from torch's or Python's.
GENERATORS = {
    'random': (random.seed, random.getstate, random.setstate),
    'numpy': (_seed_numpy, np.random.get_state, np.random.set_state),
    'torch': (_seed_torch, torch.default_generator.get_state, torch.default_generator.set_state),
}
ALL_GENERATORS = tuple(GENERATORS)


def seed_global_rngs(seed: int, generators: Sequence[str] = ALL_GENERATORS) -> None:
    """Seed the named global generators from one sample seed: Python's ``random`` (64 bits),
    NumPy's (32 bits: the legacy generator takes no more), torch's CPU generator (63 bits).

    Seeding all three covers every random op of a pipeline without changing its transforms
    (about 8 microseconds); seeding only those the pipeline draws from (recorded when a
    teacher cache is built) gives the same inputs for less (NumPy's alone: about 2.5). CUDA
    generators are not touched."""
    for name in generators:
        GENERATORS[name][0](seed)


@contextlib.contextmanager
def kept_global_rngs(keep: bool = True,
                     generators: Sequence[str] = ALL_GENERATORS) -> Iterator[None]:
    """With ``keep``, put the named generators back as they were when the body ends. Saving
    and restoring all three costs about 0.1 ms, so a batch does it once around all its
    samples (:meth:`ReplayableDataset.__getitems__`)."""
    saved = [(GENERATORS[name][2], GENERATORS[name][1]()) for name in generators] \
        if keep else []
    try:
        yield
    finally:
        for restore, state in saved:
            restore(state)


def _same_state(a, b) -> bool:
    if torch.is_tensor(a):
        return torch.equal(a, b)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_state(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


_FINGERPRINT_HEADS = {}
# Inputs larger than this are fingerprinted on every s-th row and column (s chosen to keep
# about this many bytes): a replay that drifted changes the whole view (another crop, flip,
# colour), which a 1-in-s grid of pixels shows; a CRC of every byte of a 224x224 image would
# cost 80 microseconds, 2% of such a sample's loading.
FINGERPRINT_FULL_BYTES = 1 << 15


def input_fingerprint(inputs) -> int:
    """A 32-bit CRC of a packed sample's ``inputs`` (its dtype, shape and bytes; above
    :data:`FINGERPRINT_FULL_BYTES`, of every s-th row and column): what the teacher-output
    cache stores to prove that training replays the view it was built on. About 2
    microseconds for a 3x32x32 image, 12 for 3x224x224. Several views (a dict, from
    ``MultiViewDataset``) are fingerprinted view by view, with their names."""
    if isinstance(inputs, dict):
        return zlib.crc32(b''.join(name.encode() + input_fingerprint(view).to_bytes(4, 'little')
                                   for name, view in inputs.items()))
    array = inputs.numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
    stride = 1
    if array.nbytes > FINGERPRINT_FULL_BYTES and array.ndim >= 2:
        stride = math.ceil(math.sqrt(array.nbytes / FINGERPRINT_FULL_BYTES))
    key = (array.dtype.str, array.shape, stride)
    head = _FINGERPRINT_HEADS.get(key)
    if head is None:
        head = _FINGERPRINT_HEADS[key] = zlib.crc32(
            f'{array.dtype}{array.shape}/{stride}'.encode())
    if stride > 1:
        array = array[..., ::stride, ::stride]
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    return zlib.crc32(array, head)


@DATASETS.register_module()
class ReplayableDataset(SampleIndexDataset):
    """Wraps a dataset (config or object, with its own pipeline) so that its augmentation can
    be replayed exactly.

    The pipeline of sample ``idx`` in epoch ``e`` runs with every global generator seeded
    from (``seed``, slot, ``idx``), where the slot is ``e % num_slots`` (or ``e`` without
    ``num_slots``). The inputs therefore depend on nothing else: not on the data-loader
    worker that loads the sample, the number of workers or processes, the order of the
    sampler, or what ran before. Each sample's metainfo gets ``sample_idx``,
    ``replay_slot`` (with the replay seed, the record of its draws: the pipeline's
    parameters, crop boxes, flips, RandAugment's choices and magnitudes, all follow from
    ``sample_seed(seed, slot, idx)``) and ``replay_fingerprint`` (a CRC of the packed
    inputs, which the teacher-output cache compares to the one it stored). The replay costs
    a few tens of microseconds per sample (``benchmarks/replay_pipeline.py``).

    Batch-level augmentation (the data preprocessor's Mixup/CutMix) mixes samples of a batch
    and is not replayable per sample; the teacher-output cache refuses it.

    The epoch reaches the dataset through :meth:`set_epoch`, which ``ReplayAugmentationHook``
    calls before every training epoch; the value lives in shared memory, so persistent
    data-loader workers see it too. Indexing with ``(slot, idx)`` loads a given slot (what the
    cache builder does). An integer index before any :meth:`set_epoch` is an error, so a
    forgotten hook cannot silently repeat slot 0 in every epoch.

    Args:
        dataset (dict | Dataset): the dataset.
        seed (int): the replay seed. Defaults to 0.
        num_slots (int, optional): distinct augmentation slots; epochs beyond it reuse them
            cyclically (a cache built for S slots serves any number of epochs). Defaults to
            None (one slot per epoch).
        num_negatives, negatives: CRD negatives, see :class:`SampleIndexDataset` (drawn
            inside the seeded pass, so they are replayed too).

    Two attributes serve the teacher-output cache: with ``track_generators`` set (by the
    cache builder) each sample's metainfo also says which global generators its pipeline
    drew from (``replay_draws_from``); :meth:`use_generators` then restricts the seeding to
    those (what ``ReplayAugmentationHook`` does for a run reading the cache), which gives the
    same inputs at a lower cost. A pipeline that draws from another generator afterwards (a
    changed library) gives other inputs, which the cache's fingerprints catch.
    """

    def __init__(self, dataset: Union[dict, object], seed: int = 0,
                 num_slots: Union[int, None] = None, num_negatives: int = 0,
                 negatives: str = 'other_classes', lazy_init: bool = False) -> None:
        if not isinstance(seed, int) or seed < 0:
            raise KDConfigError(f'ReplayableDataset.seed must be an int >= 0, got {seed!r}')
        if num_slots is not None and (not isinstance(num_slots, int) or num_slots < 1):
            raise KDConfigError('ReplayableDataset.num_slots must be an int >= 1 or None, got '
                                f'{num_slots!r}')
        self.seed, self.num_slots = seed, num_slots
        self.generators = ALL_GENERATORS
        self.track_generators = False
        # Shared memory: persistent workers hold a copy of the dataset made once.
        self._epoch = torch.full((1, ), -1, dtype=torch.long).share_memory_()
        super().__init__(dataset, num_negatives=num_negatives, negatives=negatives,
                         lazy_init=lazy_init)

    def set_epoch(self, epoch: int) -> None:
        self._epoch[0] = int(epoch)

    def use_generators(self, names: Sequence[str]) -> None:
        """Seed only these global generators (names of :data:`GENERATORS`) per sample."""
        unknown = [n for n in names if n not in GENERATORS]
        if unknown:
            raise KDConfigError(f'ReplayableDataset: unknown generator(s) {unknown}; valid: '
                                f'{list(GENERATORS)}')
        self.generators = tuple(n for n in ALL_GENERATORS if n in names)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop('_epoch_view', None)  # a NumPy view is pickled as a copy, not shared
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def _current_epoch(self) -> int:
        # Read through a NumPy view of the shared tensor: a tenth of the cost of indexing it.
        view = self.__dict__.get('_epoch_view')
        if view is None:
            view = self._epoch_view = self._epoch.numpy()
        return int(view[0])

    def slot_of(self, epoch: int) -> int:
        return epoch % self.num_slots if self.num_slots else epoch

    def describe(self) -> dict:
        """What the inputs depend on, besides the data files: checked by the teacher cache.
        ``pipeline`` lists the transforms (their reprs, with every argument), so a mismatch
        can be shown transform by transform."""
        inner = self.dataset
        pipeline = getattr(inner, 'pipeline', None)
        transforms = getattr(pipeline, 'transforms', None)
        if transforms is not None:
            pipeline = [repr(t) for t in transforms]
        elif pipeline is not None:
            pipeline = [repr(pipeline)]
        return dict(dataset=type(inner).__name__, num_samples=len(self), pipeline=pipeline,
                    seed=self.seed, num_slots=self.num_slots)

    def _split_index(self, index, epoch: int) -> Tuple[int, int]:
        if isinstance(index, (tuple, list)):
            slot, idx = (int(i) for i in index)
            return slot, idx
        if epoch < 0:
            raise KDConfigError(
                'ReplayableDataset: no epoch was set. Add '
                "custom_hooks=[dict(type='ReplayAugmentationHook')] to the config (it sets "
                'the epoch before every training epoch), or index the dataset with '
                '(slot, idx).')
        return self.slot_of(epoch), int(index)

    def __getitem__(self, index: Union[int, Sequence[int]]) -> dict:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence) -> List[dict]:
        """The samples of a batch (what torch's ``DataLoader`` asks for when a dataset has
        this method). In the main process the global generators are saved once before the
        batch and restored once after it, so the rest of the process (dropout, shuffling,
        CRD's negatives) draws as it would without replay; a data-loader worker has nothing
        else that draws, and skips that."""
        epoch, size = self._current_epoch(), len(self.dataset)
        generators = ALL_GENERATORS if self.track_generators else self.generators
        items, metas = [], []
        with kept_global_rngs(get_worker_info() is None, generators):
            for index in indices:
                slot, idx = self._split_index(index, epoch)
                if not 0 <= idx < size:
                    raise IndexError(f'ReplayableDataset: index {idx} out of range [0, {size})')
                seed_global_rngs(sample_seed(self.seed, slot, idx), generators)
                if self.track_generators:
                    seeded = {name: GENERATORS[name][1]() for name in generators}
                item, meta = self._load(idx)
                if self.track_generators:
                    meta['replay_draws_from'] = [
                        name for name, state in seeded.items()
                        if not _same_state(state, GENERATORS[name][1]())]
                meta['replay_slot'] = slot
                items.append(item)
                metas.append(meta)
        # Apart from the seeded passes: a tight loop here costs a third of the same work
        # interleaved with the pipeline.
        for item, meta in zip(items, metas):
            meta['replay_fingerprint'] = input_fingerprint(item['inputs'])
            set_metainfo(item['data_samples'], meta)
        return items


def find_replayable(dataset) -> Union[ReplayableDataset, None]:
    """The ``ReplayableDataset`` in ``dataset`` or in the chain of wrappers around it."""
    seen = 0
    while dataset is not None and seen < 16:
        if isinstance(dataset, ReplayableDataset):
            return dataset
        dataset, seen = getattr(dataset, 'dataset', None), seen + 1
    return None
