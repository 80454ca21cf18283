"""The recorder interface: what a model produced at one place, kept for one step."""
from abc import ABCMeta, abstractmethod
from typing import Any, Callable, List, Optional

import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError, suggest


class BaseRecorder(metaclass=ABCMeta):
    """Records data at ``source`` inside a model while recording is on.

    A recorder is prepared once on a model (:meth:`initialize`), which installs its hooks and
    keeps their handles; :meth:`remove` takes them off again. Recording is on only inside
    ``with recorder:``, and entering clears the previous step's records. Each call of the
    recorded place appends one record, so a module run twice yields ``record_idx`` 0 and 1.

    Args:
        source (str): where to record; its meaning depends on the recorder type.
    """

    def __init__(self, source: str) -> None:
        if not isinstance(source, str) or not source:
            raise KDConfigError(
                f'{type(self).__name__}.source must be a non-empty string, got {source!r}')
        self.source = source
        self.data_buffer: List[Any] = []
        self.recording = False
        self.initialized = False
        self.on_record: Optional[Callable[[], None]] = None
        self._handles: List[Any] = []

    def initialize(self, model: nn.Module) -> None:
        """Install this recorder on ``model``."""
        self.prepare_from_model(model)
        self.initialized = True

    @abstractmethod
    def prepare_from_model(self, model: nn.Module) -> None:
        """Install hooks (and keep their handles in ``self._handles``)."""

    def remove(self) -> None:
        """Take every hook off the model; the model is then as it was."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.initialized = False

    def reset_data_buffer(self) -> None:
        self.data_buffer = []

    def append(self, data: Any) -> None:
        """Keep one record (called by the hooks while recording)."""
        self.data_buffer.append(data)
        if self.on_record is not None:
            self.on_record()

    def get_record_data(self, record_idx: int = 0, data_idx: Optional[int] = None) -> Any:
        """The ``record_idx``-th record of this step, or its ``data_idx``-th element."""
        if record_idx >= len(self.data_buffer):
            raise IndexError(
                f'{type(self).__name__}(source={self.source!r}) has {len(self.data_buffer)} '
                f'record(s) this step, so record_idx={record_idx} does not exist. Did the '
                'recorded module run in this forward pass?')
        record = self.data_buffer[record_idx]
        if data_idx is None:
            return record
        if not isinstance(record, (tuple, list)):
            raise TypeError(
                f'{type(self).__name__}(source={self.source!r}) recorded a '
                f'{type(record).__name__}, which cannot be indexed with data_idx={data_idx}; '
                'remove data_idx from the mapping')
        return record[data_idx]

    def __enter__(self) -> 'BaseRecorder':
        self.reset_data_buffer()
        self.recording = True
        return self

    def __exit__(self, *args) -> None:
        self.recording = False

    @property
    def expects_records(self) -> bool:
        """Whether records come from running the model (False for static data)."""
        return True


def get_submodule(model: nn.Module, name: str, recorder: str) -> nn.Module:
    """``model.get_submodule(name)`` with an error that suggests the closest module names."""
    modules = dict(model.named_modules())
    if name in modules:
        return modules[name]
    raise KDConfigError(
        f'{recorder}: there is no module named {name!r} in {type(model).__name__}. '
        + suggest(name, [n for n in modules if n]))
