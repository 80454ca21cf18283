"""Base class of the CIFAR zoo: named points where feature-distillation methods read features."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmkd.utils.config_errors import KDConfigError


class TappedBackbone(BaseModule):
    """A backbone with named identity "taps" at its distillation points.

    Every CIFAR network of the zoo calls ``self.tap(name, x)`` at the points the benchmark
    implementations expose as features, so recorders name them by path instead of by index:

    * ``backbone.taps.stem``: the stem output (``feats[0]`` of the reference implementations);
    * ``backbone.taps.stage{i}``: output of stage *i* after its ReLU (``feats[i]``);
    * ``backbone.taps.stage{i}_pre``: the same point before that ReLU (``preact_feats[i]``),
      what OFD and AB distil.

    Taps are parameterless ``nn.Identity`` modules, so they do not change state dicts, and a
    ``ModuleOutputs`` recorder on one records exactly that tensor. ``tap_channels`` gives the
    channels at every tap (for connectors), ``out_channels`` those of the returned map.
    ``forward`` returns a 1-tuple with the last feature map before global pooling, like
    mmpretrain backbones, so an ``ImageClassifier`` with ``GlobalAveragePooling`` and a
    ``LinearClsHead`` gives the reference network's logits.
    """

    def __init__(self, stem_channels: int, stage_channels: Sequence[int], out_channels: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.tap_channels = {'stem': stem_channels}
        for i, channels in enumerate(stage_channels, 1):
            self.tap_channels[f'stage{i}'] = self.tap_channels[f'stage{i}_pre'] = channels
        self.out_channels = out_channels
        self.taps = nn.ModuleDict({name: nn.Identity() for name in self.tap_channels})

    def tap(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return self.taps[name](x)

    def pre_relu_norm(self, path: str) -> str:
        """The path (in this backbone) of the BatchNorm before the ReLU at the tap ``path``
        (``'taps.stage2_pre'``): where OFD computes its margin, the layers mdistiller's
        ``get_bn_before_relu`` returns. Read by ``'auto'`` connector arguments."""
        table = self.pre_relu_norms()
        tap = path[len('taps.'):] if path.startswith('taps.') else path
        if tap not in table:
            raise KDConfigError(f'{type(self).__name__} names the BatchNorm before the ReLU at '
                                f'the taps {sorted(table)}, not at {path!r}')
        return table[tap]

    def pre_relu_norms(self) -> Dict[str, str]:
        """``stage{i}_pre`` tap -> path of the BatchNorm before that ReLU; none by default."""
        return {}

    def kaiming_init(self) -> None:
        """He-normal (fan-out) convolutions, unit/zero BatchNorm and zero conv biases: the
        initialisation of the reference ResNet, WRN, VGG and MobileNetV2 definitions."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        """``relu(bn1(conv1(x)))``: the stem of the ResNets and ShuffleNets."""
        return F.relu(self.bn1(self.conv1(x)))

    def forward_stages(self, x: torch.Tensor, stages: Tuple[nn.Module, ...]) -> torch.Tensor:
        """Stem, then stages whose blocks return ``(out, preact)``; taps every stage end."""
        x = self.tap('stem', self.stem(x))
        for i, stage in enumerate(stages, 1):
            for block in stage:
                x, pre = block(x)
            self.tap(f'stage{i}_pre', pre)
            x = self.tap(f'stage{i}', x)
        return x
