"""A dataset wrapper that yields several views of each sample, each with its own pipeline."""
import copy
from types import SimpleNamespace
from typing import Dict, List, Union

from mmengine.dataset import Compose, force_full_init

from mmkd.registry import DATASETS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.scopes import mmkd_scope
from .dataset_wrapper import DatasetWrapper


@DATASETS.register_module()
class MultiViewDataset(DatasetWrapper):
    """Wraps any mmpretrain/MMEngine dataset (config or object) and returns, for each sample,
    one packed input per *view*: ``dict(inputs={view: tensor}, data_samples=...)``.

    The wrapped dataset's own pipeline runs first (e.g. loading the image), then each view's
    pipeline on its own copy of the result (each ending with ``PackInputs``); the data sample
    (labels, metainfo) is the first view's. Views let models see different inputs of one
    sample: a weak and a strong augmentation (MLKD's recipe), a clean and a degraded image
    (cross-modal or low-resolution students). :class:`~mmkd.models.MultiViewDataPreprocessor`
    normalises each view; the algorithm's ``views`` option says which view each model reads
    (or the preprocessor stacks them into one batch).

    Args:
        dataset (dict | Dataset): the dataset; its pipeline is shared by all views.
        views (dict): view name -> pipeline (a list of transform configs), in order.
    """

    def __init__(self, dataset: Union[dict, object], views: Dict[str, List[dict]],
                 lazy_init: bool = False) -> None:
        if not isinstance(views, dict) or not views:
            raise KDConfigError('MultiViewDataset.views must be a dict of view name -> pipeline '
                                f"(a list of transforms ending with PackInputs), got {views!r}")
        for name, pipeline in views.items():
            if not isinstance(pipeline, (list, tuple)) or not pipeline:
                raise KDConfigError(f'MultiViewDataset.views.{name} must be a non-empty list of '
                                    f'transforms ending with PackInputs, got {pipeline!r}')
        with mmkd_scope():
            self.views = {name: Compose(list(pipeline)) for name, pipeline in views.items()}
        super().__init__(dataset, lazy_init)

    @property
    def pipeline(self):
        """Every transform a sample goes through, the wrapped dataset's then each view's (named
        by its view): what a teacher-output cache compares with the run that reads it."""
        shared = getattr(getattr(self.dataset, 'pipeline', None), 'transforms', [])
        return SimpleNamespace(transforms=list(shared) + [
            _InView(name, t) for name, view in self.views.items() for t in view.transforms])

    @force_full_init
    def __getitem__(self, idx: int) -> dict:
        shared = self.dataset[idx]
        inputs, data_samples = {}, None
        for name, pipeline in self.views.items():
            packed = pipeline(copy.deepcopy(shared))
            if not isinstance(packed, dict) or 'inputs' not in packed:
                raise KDConfigError(f'MultiViewDataset.views.{name}: the pipeline must end with '
                                    'PackInputs (it returned no "inputs")')
            inputs[name] = packed['inputs']
            if data_samples is None:
                data_samples = packed.get('data_samples')
        return dict(inputs=inputs, data_samples=data_samples)


class _InView:
    """A transform of one view, shown with the view's name."""

    def __init__(self, view: str, transform) -> None:
        self.view, self.transform = view, transform

    def __repr__(self) -> str:
        return f'{self.view}: {self.transform!r}'
