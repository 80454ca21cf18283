"""A dataset wrapper that tells every sample its index (and, optionally, its CRD negatives)."""
from typing import Union

import numpy as np

from mmkd.registry import DATASETS
from mmkd.utils.config_errors import KDConfigError
from .dataset_wrapper import DatasetWrapper

NEGATIVE_MODES = ('other_classes', 'uniform')


def set_metainfo(sample, meta: dict) -> None:
    """``sample.set_metainfo(meta)`` without its deep copy of ``meta`` (a fifth of a small
    image's loading time): the values here are fresh ints and arrays no one else holds."""
    for name, value in meta.items():
        sample.set_field(value, name, field_type='metainfo')


@DATASETS.register_module()
class SampleIndexDataset(DatasetWrapper):
    """Wraps any mmpretrain/MMEngine dataset (config or object, with its own pipeline) and
    adds, to each sample's ``data_samples`` metainfo, ``sample_idx``: its index in this
    wrapper, unique in ``[0, len(self))`` whatever the dataset inside (a ``ConcatDataset``'s
    own ``sample_idx`` restarts in every part). That is what memory-bank losses (``CRDLoss``)
    index their banks by.

    With ``num_negatives=K`` it also adds ``contrast_idx``: K + 1 dataset indices, the sample
    itself first, then K negatives drawn with replacement from the samples of the other
    classes (``'other_classes'``: RepDistiller's ``exact`` CIFAR sampling) or from all samples
    (``'uniform'``). Without it, ``CRDLoss`` draws uniform negatives itself on the main
    process, from the generators that checkpoints save (so a resumed run draws the same ones);
    draws made here happen in data-loader workers, whose NumPy generator MMEngine reseeds the
    same way when workers are started, so use ``persistent_workers=True`` with them.

    Args:
        dataset (dict | Dataset): the dataset.
        num_negatives (int): K, or 0 for no ``contrast_idx``. Defaults to 0.
        negatives (str): ``'other_classes'`` or ``'uniform'``. Defaults to ``'other_classes'``.
    """

    def __init__(self, dataset: Union[dict, object], num_negatives: int = 0,
                 negatives: str = 'other_classes', lazy_init: bool = False) -> None:
        if negatives not in NEGATIVE_MODES:
            raise KDConfigError(f'SampleIndexDataset.negatives={negatives!r} is not valid; choose '
                                f'one of {list(NEGATIVE_MODES)}')
        if not isinstance(num_negatives, int) or num_negatives < 0:
            raise KDConfigError('SampleIndexDataset.num_negatives must be an int >= 0, got '
                                f'{num_negatives!r}')
        self.num_negatives, self.negatives = num_negatives, negatives
        super().__init__(dataset, lazy_init)

    def init_wrapper(self) -> None:
        self._others = None
        if self.num_negatives and self.negatives == 'other_classes':
            labels = np.asarray(self.dataset.get_gt_labels())
            self._others = {c: np.flatnonzero(labels != c) for c in np.unique(labels)}
            self._labels = labels

    def __getitem__(self, idx: int) -> dict:
        item, meta = self._load(idx)
        set_metainfo(item['data_samples'], meta)
        return item

    def _load(self, idx: int):
        """The inner dataset's item and the metainfo this wrapper adds to it (set together
        with a subclass's own, in one call)."""
        if not self._fully_initialized:
            self.full_init()
        item = self.dataset[idx]
        meta = dict(sample_idx=idx)
        if self.num_negatives:
            pool = self._others[self._labels[idx]] if self._others is not None else len(self)
            negatives = np.random.choice(pool, self.num_negatives, replace=True)
            meta['contrast_idx'] = np.concatenate([[idx], negatives]).astype(np.int64)
        return item, meta
