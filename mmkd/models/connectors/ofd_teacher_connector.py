"""The teacher-side connector of OFD: the teacher's pre-ReLU feature raised to its margin."""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError, suggest
from ..losses.overhaul_distillation import ofd_margin
from ..teachers.needs import TeacherNeeds, loaded_teacher
from .base_connector import BaseConnector


@MODELS.register_module()
class OFDTeacherConnector(BaseConnector):
    """``max(t, m)`` per channel, with the margin ``m`` of Heo et al. (ICCV 2019) computed from
    the teacher's BatchNorm right before the ReLU (:func:`mmkd.models.losses.ofd_margin`).

    The margin is computed when the algorithm hands the loaded teacher to the distiller, and
    kept in a buffer (so a checkpoint holds it and a test without the teacher has it). It has no
    trainable parameters. Map it on the teacher side:
    ``preds_T=dict(recorder='feat', from_student=False, connector='margin')``.

    Args:
        bn (str): module path of that BatchNorm in the teacher, e.g.
            ``'backbone.layer3.1.bn2'`` or, in the CIFAR zoo, the BN behind
            ``backbone.taps.stage3_pre``.
        channels (int): its number of channels.
        teacher (str, optional): which teacher, for ``MultiTeacherDistill``.
        output_size (int | tuple, optional): average-pool the teacher's map to this size
            first (the student's, where it is smaller), as mdistiller does before the margin.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'bn': 'input.pre_relu_norm', 'channels': 'input.channels',
                  'output_size': 'target.size'}

    teacher_needs = TeacherNeeds(loaded_teachers=True)

    def __init__(self, bn: str, channels: int, teacher: Optional[str] = None,
                 output_size=None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.bn, self.teacher, self.output_size = bn, teacher, output_size
        self.register_buffer('margin', torch.zeros(channels))

    def init_from_teachers(self, teachers: Dict[str, nn.Module], key: str) -> None:
        """Compute the margin from the named (or only) teacher's BN."""
        teacher = loaded_teacher(teachers, self.teacher, key,
                                 f"the margin of the teacher's {self.bn}")
        modules = dict(teacher.named_modules())
        bn = modules.get(self.bn)
        if not isinstance(bn, nn.modules.batchnorm._BatchNorm):
            raise KDConfigError(
                f'{key}.bn={self.bn!r} is not a BatchNorm of the teacher. '
                + suggest(self.bn, [n for n, m in modules.items()
                                    if isinstance(m, nn.modules.batchnorm._BatchNorm)]))
        if bn.num_features != self.margin.numel():
            raise KDConfigError(f'{key}.channels={self.margin.numel()} but {self.bn} has '
                                f'{bn.num_features} channels')
        self.margin.copy_(ofd_margin(bn.weight, bn.bias))

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        if self.output_size is not None:
            feature = F.adaptive_avg_pool2d(feature, self.output_size)
        return torch.maximum(feature, self.margin.view(1, -1, *([1] * (feature.dim() - 2))))
