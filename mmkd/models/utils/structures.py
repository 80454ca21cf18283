"""Helpers for nested outputs and for labels carried by data samples."""
from typing import Any, Sequence

import torch


def clone_structure(data: Any) -> Any:
    """Clone every tensor in a (nested) tuple/list/dict, keeping autograd history.

    Recorders keep clones so that an in-place op that runs after the recorded module (a ResNet
    block's ``out += identity`` right after ``bn2``, an inplace ReLU) cannot change the record.
    """
    if isinstance(data, torch.Tensor):
        return data.clone()
    if isinstance(data, tuple) and hasattr(data, '_fields'):  # namedtuple
        return type(data)(*(clone_structure(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(clone_structure(d) for d in data)
    if isinstance(data, dict):
        return type(data)((k, clone_structure(v)) for k, v in data.items())
    return data


def get_gt_labels(data_samples: Sequence) -> torch.Tensor:
    """Integer class labels of shape (B,) from mmpretrain ``DataSample``s.

    Raises:
        ValueError: a sample has no hard label (e.g. only a mixed ``gt_score``).
    """
    if not data_samples:
        raise ValueError('a loss asks for gt_labels but the batch has no data_samples')
    labels = []
    for sample in data_samples:
        label = sample.get('gt_label') if hasattr(sample, 'get') else None
        if label is None:
            raise ValueError(
                'a loss asks for gt_labels but a data sample has no gt_label (batch '
                'augmentations such as Mixup/CutMix leave only gt_score)')
        labels.append(label.reshape(-1)[:1])
    return torch.cat(labels).long()


def map_tensors(data: Any, fn) -> Any:
    """``fn`` applied to every tensor in a (nested) tuple/list/dict; the rest unchanged."""
    if isinstance(data, torch.Tensor):
        return fn(data)
    if isinstance(data, tuple) and hasattr(data, '_fields'):  # namedtuple
        return type(data)(*(map_tensors(d, fn) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(map_tensors(d, fn) for d in data)
    if isinstance(data, dict):
        return {k: map_tensors(v, fn) for k, v in data.items()}
    return data
