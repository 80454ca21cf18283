"""The training "set" of a data-free run: placeholders for the samples a generator makes."""
from typing import Optional

from mmkd.registry import DATASETS
from mmkd.utils.config_errors import KDConfigError


@DATASETS.register_module()
class SyntheticSamples:
    """``num_samples`` placeholders (``dict(sample_idx=i)``, no image, no label), so that
    MMEngine's training loop, its samplers (one shard per process), batch size, epochs and
    iteration counts work unchanged for an algorithm that synthesizes every batch itself
    (``DataFreeDistill``): an epoch is ``num_samples / batch_size`` steps, and each step's
    synthetic batch has the batch's size. No data is read.

    Args:
        num_samples (int): the length of an epoch, in samples.
        metainfo (dict, optional): e.g. ``dict(classes=...)`` for the visualizer.
    """

    def __init__(self, num_samples: int, metainfo: Optional[dict] = None) -> None:
        if not isinstance(num_samples, int) or num_samples < 1:
            raise KDConfigError(f'SyntheticSamples.num_samples must be a positive int, got '
                                f'{num_samples!r}')
        self.num_samples = num_samples
        self.metainfo = dict(metainfo or {})

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, idx: int) -> dict:
        if not 0 <= idx < self.num_samples:
            raise IndexError(f'SyntheticSamples index {idx} out of range')
        return dict(sample_idx=idx)
