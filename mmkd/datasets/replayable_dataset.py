"""Replayable augmentation: every random draw of a sample's pipeline follows from
(seed, epoch slot, sample index), so a pass over the same slot gives bit-identical inputs."""
import contextlib
import hashlib
import random
from typing import Iterator, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import get_worker_info

from mmkd.registry import DATASETS
from mmkd.utils.config_errors import KDConfigError
from .sample_index_dataset import SampleIndexDataset


def sample_seed(seed: int, slot: int, idx: int) -> np.ndarray:
    """Four uint32 words of entropy for one (global seed, epoch slot, sample index).

    ``numpy.random.SeedSequence`` hashes the three integers together, so neighbouring
    slots or indices give unrelated streams (unlike ``seed + slot * N + idx``)."""
    return np.random.SeedSequence([seed, slot, idx]).generate_state(4, np.uint32)


@contextlib.contextmanager
def seeded_global_rngs(words: np.ndarray, restore: bool = True) -> Iterator[None]:
    """Seed Python's ``random``, NumPy's global generator and torch's CPU generator from
    ``words`` for the body; with ``restore``, put all three back as they were afterwards.

    mmcv and mmpretrain transforms draw from NumPy's global generator; some (and
    torchvision's) from torch or ``random``; seeding all three covers every random op of a
    pipeline without changing the transforms. Restoring keeps the rest of the process
    (dropout, shuffling, CRD's negatives) drawing exactly as it would without replay; a
    data-loader worker has nothing else that draws, and skips it (saving and restoring the
    two Mersenne-Twister states costs about 0.1 ms a sample). CUDA generators are not
    touched."""
    words = np.asarray(words, dtype=np.uint32)
    saved = (random.getstate(), np.random.get_state(),
             torch.default_generator.get_state()) if restore else None
    random.seed(int.from_bytes(words.tobytes(), 'little'))
    np.random.seed(words)
    torch.default_generator.manual_seed(int(words[0]) << 32 | int(words[1]))
    try:
        yield
    finally:
        if saved is not None:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.default_generator.set_state(saved[2])


def input_fingerprint(inputs) -> int:
    """A 64-bit signed hash of a packed sample's ``inputs`` (dtype, shape and bytes): what the
    teacher-output cache stores to prove that training replays the view it was built on."""
    array = inputs.numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f'{array.dtype}{array.shape}'.encode())
    digest.update(np.ascontiguousarray(array).tobytes())
    return int.from_bytes(digest.digest(), 'little', signed=True)


@DATASETS.register_module()
class ReplayableDataset(SampleIndexDataset):
    """Wraps a dataset (config or object, with its own pipeline) so that its augmentation can
    be replayed exactly.

    The pipeline of sample ``idx`` in epoch ``e`` runs with every global generator seeded
    from (``seed``, slot, ``idx``), where the slot is ``e % num_slots`` (or ``e`` without
    ``num_slots``). The inputs therefore depend on nothing else: not on the data-loader
    worker that loads the sample, the number of workers or processes, the order of the
    sampler, or what ran before. Each sample's metainfo gets ``sample_idx``,
    ``replay_slot`` and ``replay_seed`` (the draws' record: the pipeline's parameters, crop
    boxes, flips, RandAugment's choices and magnitudes, all follow from it) and
    ``replay_fingerprint`` (a hash of the packed inputs, which the teacher-output cache
    compares to the one it stored).

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
        # Shared memory: persistent workers hold a copy of the dataset made once.
        self._epoch = torch.full((1, ), -1, dtype=torch.long).share_memory_()
        super().__init__(dataset, num_negatives=num_negatives, negatives=negatives,
                         lazy_init=lazy_init)

    def set_epoch(self, epoch: int) -> None:
        self._epoch[0] = int(epoch)

    def slot_of(self, epoch: int) -> int:
        return epoch % self.num_slots if self.num_slots else epoch

    def describe(self) -> dict:
        """What the inputs depend on, besides the data files: checked by the teacher cache."""
        inner = self.dataset
        pipeline = getattr(inner, 'pipeline', None)
        return dict(dataset=type(inner).__name__, num_samples=len(self),
                    pipeline=repr(pipeline) if pipeline is not None else None,
                    seed=self.seed, num_slots=self.num_slots)

    def _split_index(self, index) -> Tuple[int, int]:
        if isinstance(index, (tuple, list)):
            slot, idx = (int(i) for i in index)
            return slot, idx
        epoch = int(self._epoch[0])
        if epoch < 0:
            raise KDConfigError(
                'ReplayableDataset: no epoch was set. Add '
                "custom_hooks=[dict(type='ReplayAugmentationHook')] to the config (it sets "
                'the epoch before every training epoch), or index the dataset with '
                '(slot, idx).')
        return self.slot_of(epoch), int(index)

    def __getitem__(self, index: Union[int, Sequence[int]]) -> dict:
        slot, idx = self._split_index(index)
        if not 0 <= idx < len(self):
            raise IndexError(f'ReplayableDataset: index {idx} out of range [0, {len(self)})')
        words = sample_seed(self.seed, slot, idx)
        with seeded_global_rngs(words, restore=get_worker_info() is None):
            item = super().__getitem__(idx)
        item['data_samples'].set_metainfo(dict(
            replay_slot=slot, replay_seed=int(words[0]) << 32 | int(words[1]),
            replay_fingerprint=input_fingerprint(item['inputs'])))
        return item


def find_replayable(dataset) -> Union[ReplayableDataset, None]:
    """The ``ReplayableDataset`` in ``dataset`` or in the chain of wrappers around it."""
    seen = 0
    while dataset is not None and seen < 16:
        if isinstance(dataset, ReplayableDataset):
            return dataset
        dataset, seen = getattr(dataset, 'dataset', None), seen + 1
    return None
