"""Self-distillation: the deep part of the network teaches shallow exits (BYOT)."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..distillers import ConfigurableDistiller
from ..recorders import RecorderManager
from .base_algorithm import BaseAlgorithm


class ExitPredictor(nn.Module):
    """One shallow exit as a model of its own, for validation: the student runs (inside its
    recorders) and the exit's classifier reads its stage; predictions are made by the
    student's head, so they have its format."""

    def __init__(self, student: nn.Module, recorders: RecorderManager, recorder: str,
                 exit_branch: nn.Module) -> None:
        super().__init__()
        # plain references: the modules belong to the algorithm, not to this view
        self.__dict__.update(_student=student, _recorders=recorders, _exit=exit_branch)
        self.recorder = recorder

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        with self._recorders:
            self._student(inputs, data_samples, mode='tensor')
        try:
            logits = self._exit(self._recorders.get_recorder(self.recorder).get_record_data(0))
        finally:
            self._recorders.reset_data_buffer()
        if mode == 'tensor':
            return logits
        return self._student.head._get_predictions(logits, data_samples)


@MODELS.register_module()
class SelfDistill(BaseAlgorithm):
    """Self-distillation without a separate teacher: "Be Your Own Teacher: Improve the
    Performance of Convolutional Neural Networks via Self Distillation", Zhang et al.,
    ICCV 2019 (BYOT).

    Shallow exits (``ExitBranch`` connectors of the distiller) read the student's inner
    stages through its recorders; the distiller's losses train them: each exit's own CE
    (``LabelCELoss``), the KL divergence towards the deepest classifier's softened
    prediction (``KLDivergence``, which detaches it) and the feature loss towards the
    deepest pooled feature (``ActivatedL2Loss``, detached too), all read from the one source
    ``'student'``. The deepest classifier trains on its own CE (the student's head).

    ``exits`` names, for validation, which recorder each exit reads:
    ``DistillValLoop(models=['exit1'])`` (or ``evaluate_teacher=True`` for all) reports
    ``exit1/accuracy/top1``. The exported student (``extract_student.py``) is the network with
    its deepest classifier only; the exits, being connectors, are not part of it.

    Args:
        distiller (dict): a ``ConfigurableDistiller`` with ``student_recorders`` only.
        exits (dict): exit connector name -> the student recorder it reads.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    def __init__(self, distiller: dict, exits: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.calculate_student_loss = True
        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        others = [s for s in self.distiller.sources if s != 'student']
        if others:
            raise KDConfigError(f'model.distiller: SelfDistill has no model but the student to '
                                f'record; remove the recorders of {others}')
        self.exits = dict(exits or {})
        for name, recorder in self.exits.items():
            if name not in self.distiller.connectors:
                raise KDConfigError(f'model.exits.{name}: no connector {name!r} in '
                                    'model.distiller.connectors. '
                                    + suggest(name, self.distiller.connectors))
            if recorder not in self.distiller.student_recorders.recorders:
                raise KDConfigError(f'model.exits.{name}={recorder!r} is not in '
                                    'model.distiller.student_recorders. '
                                    + suggest(recorder, self.distiller.student_recorders.recorders))

    def named_models(self) -> Dict[str, nn.Module]:
        return {name: ExitPredictor(self.student, self.distiller.student_recorders, recorder,
                                    self.distiller.connectors[name])
                for name, recorder in self.exits.items()}

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        return self.student_and_distill_losses(inputs, data_samples, {})
