"""What mmkd's dataset wrappers share: the wrapped dataset, built from a config or given, and
MMEngine's lazy initialisation."""
import copy
from typing import Union

from mmengine.dataset import force_full_init

from mmkd.registry import DATASETS


class DatasetWrapper:
    """Wraps any mmpretrain/MMEngine dataset (config or object): its length, labels, data
    infos and metainfo are the wrapped dataset's; ``full_init`` initialises it, then the
    subclass (:meth:`init_wrapper`), once. ``lazy_init=True`` leaves that to the first use.
    """

    def __init__(self, dataset: Union[dict, object], lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(copy.deepcopy(dataset)) if isinstance(dataset, dict) \
            else dataset
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):  # MMEngine datasets; plain ones have none
            self.dataset.full_init()
        self.init_wrapper()
        self._fully_initialized = True

    def init_wrapper(self) -> None:
        """What the subclass prepares once the wrapped dataset is initialised."""

    @force_full_init
    def __len__(self) -> int:
        return len(self.dataset)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    @force_full_init
    def get_gt_labels(self):
        return self.dataset.get_gt_labels()
