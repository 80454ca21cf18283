"""The base of every algorithm: owns the student (``architecture``) and the data preprocessor."""
from contextlib import contextmanager
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.scopes import mmkd_scope
from ..utils.model_builder import build_data_preprocessor, build_model


def add_prefix(losses: Dict[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    return {f'{prefix}.{k}': v for k, v in losses.items()}


class BaseAlgorithm(BaseModel):
    """An algorithm wraps the model being trained and adds what the method needs.

    Args:
        architecture (dict | nn.Module): the student: a model config, a
            ``dict(cfg_path='mmpretrain::...', **overrides)``, or a module.
        data_preprocessor (dict | nn.Module, optional): defaults to the student's own. A dict
            without ``type`` is a ``ClsDataPreprocessor`` (as in mmpretrain), so the top-level
            ``data_preprocessor`` of a stock mmpretrain dataset config works unchanged.
        student_only (bool): build the student and what checkpoints store beside it
            (connectors, loss state), but no teacher: for test and inference, which then need
            no teacher checkpoint on disk. Training such a model is refused. ``tools/test.py``
            sets it. Defaults to False.
        init_cfg (dict, optional): initialisation config.

    ``forward(mode='tensor' | 'predict')`` runs the student, so validation and test evaluate
    the student; ``mode='loss'`` calls :meth:`loss`, which subclasses define.
    """

    def __init__(self, architecture: Union[dict, nn.Module],
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 student_only: bool = False, init_cfg: Optional[dict] = None) -> None:
        architecture = build_model(architecture, 'model.architecture')
        if data_preprocessor is None:
            data_preprocessor = getattr(architecture, 'data_preprocessor', None)
        else:
            data_preprocessor = build_data_preprocessor(data_preprocessor,
                                                        'model.data_preprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.architecture = architecture
        self.student_only = student_only
        self._predictor: Optional[nn.Module] = None

    @property
    def student(self) -> nn.Module:
        return self.architecture

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            if self.student_only:
                raise RuntimeError(
                    f'{type(self).__name__} was built with student_only=True (for test and '
                    'inference): it has no teacher and cannot compute training losses.')
            return self.loss(inputs, data_samples)
        if mode in ('tensor', 'predict'):
            model = self.architecture if self._predictor is None else self._predictor
            return model(inputs, data_samples, mode=mode)
        raise RuntimeError(f'Invalid mode "{mode}"; only "tensor", "predict" and "loss" exist')

    @contextmanager
    def predict_with(self, model: nn.Module):
        """Within this context, ``'tensor'`` and ``'predict'`` modes run ``model`` (e.g. the
        teacher, for its validation) instead of the student."""
        self._predictor = model
        try:
            yield
        finally:
            self._predictor = None

    def build_distiller(self, cfg, distiller_type: type):
        """Build ``model.distiller`` (must be a ``distiller_type``) and install its student
        recorders; the algorithm installs the teacher side itself."""
        with mmkd_scope():  # mmkd's components, whatever the file's default_scope
            distiller = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
        if not isinstance(distiller, distiller_type):
            raise KDConfigError(f'model.distiller must be a {distiller_type.__name__} (or a '
                                f'subclass) for {type(self).__name__}, got {type(distiller).__name__}')
        distiller.prepare_from_student(self.student)
        return distiller

    def student_and_distill_losses(self, inputs: torch.Tensor, data_samples: Optional[List],
                                   losses: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Run the student inside its recorders, then the distiller; add both to ``losses``.

        For distillation algorithms, which set ``self.distiller`` and
        ``self.calculate_student_loss`` (and optionally ``self.student_trainable``), after the
        teachers have run inside their recorders.
        """
        with self.distiller.student_recorders, torch.set_grad_enabled(
                getattr(self, 'student_trainable', True)):
            if self.calculate_student_loss:
                losses.update(add_prefix(self.student(inputs, data_samples, mode='loss'), 'student'))
            else:
                self.student(inputs, data_samples, mode='tensor')
        losses.update(add_prefix(self.distiller.compute_distill_losses(data_samples), 'distill'))
        self.distiller.reset_records()
        return losses

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """The training losses. Without distillation: the student's own."""
        return self.architecture(inputs, data_samples, mode='loss')
