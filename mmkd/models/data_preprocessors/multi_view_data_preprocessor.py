"""Normalising a batch of several views of each sample (``MultiViewDataset``)."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..utils.model_builder import build_data_preprocessor


def _of_view(name: str) -> property:
    """The attribute ``name`` of the preprocessor of one view."""
    return property(lambda self: getattr(self.preprocessor, name, None))


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Runs one data preprocessor (e.g. mmpretrain's ``ClsDataPreprocessor``) on every view
    of a batch from :class:`~mmkd.datasets.MultiViewDataset`.

    Without ``stack`` the batch's inputs stay a dict ``view -> tensor``, and each model of the
    algorithm reads the view its ``model.views`` names. With ``stack=['weak', 'strong']`` the
    views are concatenated along the batch (weak samples first) and the data samples repeated
    in that order: every model runs once on all of them, and a loss that knows the layout
    (``MLKDLoss(views=2)``) splits them; the student's own loss then averages over all views.
    A batch of one view (validation, test) passes through the inner preprocessor unchanged.
    Batch augmentations (Mixup, CutMix) would mix each view differently, so they are refused.

    Args:
        preprocessor (dict): the preprocessor of one view (a dict without ``type`` is a
            ``ClsDataPreprocessor``).
        stack (Sequence[str], optional): views to concatenate into one batch, in order.
    """

    def __init__(self, preprocessor: dict, stack: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        key = 'model.data_preprocessor.preprocessor'
        self.preprocessor = build_data_preprocessor(preprocessor, key)
        if getattr(self.preprocessor, 'batch_augments', None) is not None:
            raise KDConfigError(f'{key}.batch_augments: Mixup/CutMix would mix each view of a '
                                'sample with another partner; use them without views')
        if stack is not None and (isinstance(stack, str) or not stack):
            raise KDConfigError('model.data_preprocessor.stack must be a list of view names, '
                                f'got {stack!r}')
        self.stack = list(stack) if stack is not None else None

    # what mmkd reads of a data preprocessor: a view's classes and normalisation
    num_classes = _of_view('num_classes')
    mean, std, to_rgb = _of_view('mean'), _of_view('std'), _of_view('to_rgb')
    _enable_normalize = _of_view('_enable_normalize')

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            return self.preprocessor(data, training)
        views, samples = {}, None
        for name, view in inputs.items():
            out = self.preprocessor(dict(inputs=view, data_samples=data.get('data_samples')),
                                    training)
            views[name] = out['inputs']
            samples = out['data_samples'] if samples is None else samples
        if self.stack is None:
            return dict(inputs=views, data_samples=samples)
        missing = [v for v in self.stack if v not in views]
        if missing:
            raise KDConfigError(f'model.data_preprocessor.stack names views {missing} that the '
                                f'batch does not have; its views are {list(views)}')
        stacked = torch.cat([views[v] for v in self.stack])
        return dict(inputs=stacked,
                    data_samples=None if samples is None else list(samples) * len(self.stack))
