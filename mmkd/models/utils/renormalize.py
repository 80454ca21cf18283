"""Re-normalise a batch from one data preprocessor's normalisation to another's."""
import torch
import torch.nn as nn


def _normalization(preprocessor: nn.Module, key: str):
    if not all(hasattr(preprocessor, a) for a in ('_enable_normalize', 'to_rgb')):
        raise TypeError(
            f'{key}: {type(preprocessor).__name__} is not a ClsDataPreprocessor-like '
            'preprocessor (mean/std normalisation with to_rgb); only those can be re-applied')
    if preprocessor._enable_normalize:
        return preprocessor.mean, preprocessor.std, preprocessor.to_rgb
    return None, None, preprocessor.to_rgb


def renormalize(inputs: torch.Tensor, source: nn.Module, target: nn.Module,
                key: str = 'data_preprocessor') -> torch.Tensor:
    """Turn ``inputs`` normalised by ``source`` into what ``target`` would have produced.

    Both are mmpretrain ``ClsDataPreprocessor``s: ``x = flip?((raw - mean) / std)``. The
    normalisation is affine, so undoing one and applying the other is exact, also for batches
    mixed by batch augmentations (Mixup, CutMix) which mix normalised images linearly.
    """
    mean_s, std_s, rgb_s = _normalization(source, key)
    mean_t, std_t, rgb_t = _normalization(target, key)
    x = inputs if mean_s is None else inputs * std_s + mean_s
    if rgb_s != rgb_t and x.size(1) == 3:
        x = x.flip(1)
    return x if mean_t is None else (x - mean_t) / std_t
