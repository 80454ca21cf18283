"""Factor transfer's two connectors: the teacher's paraphraser and the student's translator."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector


def _conv_stack(channels, transposed: bool, use_bn: bool) -> nn.Sequential:
    """3x3 (transposed) convs, stride 1, each followed by a BN (or an identity in its place,
    which keeps the state-dict keys of both settings those of the reference code) and
    LeakyReLU(0.1)."""
    conv = nn.ConvTranspose2d if transposed else nn.Conv2d
    layers = []
    for cin, cout in zip(channels[:-1], channels[1:]):
        layers += [conv(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout) if use_bn else nn.Identity(),
                   nn.LeakyReLU(0.1)]
    return nn.Sequential(*layers)


def factor_channels(teacher_channels: int, rate: float) -> int:
    """Channels of the factors: ``int(teacher_channels * rate)``, as the reference code."""
    return int(teacher_channels * rate)


@MODELS.register_module()
class Paraphraser(BaseConnector):
    """The teacher-side connector of factor transfer (Kim et al., NeurIPS 2018, "Paraphrasing
    Complex Network: Network Compression via Factor Transfer").

    An encoder of three 3x3 convs (C -> C -> kC -> kC, LeakyReLU 0.1) gives the teacher's
    "factor"; a decoder of three 3x3 transposed convs (kC -> kC -> C -> C) reconstructs the
    map from it. Architecture and the default ``use_bn=False`` follow RepDistiller's CIFAR
    code.

    ``forward`` returns the factor. The reconstruction is the view ``reconstruct``: map it with
    ``connector='NAME.reconstruct'`` in a mapping. Factor transfer first trains the paraphraser
    alone on ``MSE(reconstruct(F_t), F_t)`` (a first stage of ``DistillStagesHook`` with
    ``trainable=['distiller.connectors.NAME']``), then freezes it (``frozen=[...]`` in the
    main stage) while the student learns with :class:`FTLoss`.

    Args:
        in_channels (int): teacher channels C.
        rate (float): the paraphrase rate k (factor channels ``int(C * k)``). Defaults to 0.5.
        use_bn (bool): BatchNorm after each conv. Defaults to False.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels'}

    views = ('reconstruct', )

    def __init__(self, in_channels: int, rate: float = 0.5, use_bn: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        mid = factor_channels(in_channels, rate)
        self.encoder = _conv_stack((in_channels, in_channels, mid, mid), False, use_bn)
        self.decoder = _conv_stack((mid, mid, in_channels, in_channels), True, use_bn)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.encoder(feature)

    def reconstruct(self, feature: torch.Tensor) -> torch.Tensor:
        """``decoder(encoder(feature))``: what the paraphraser is pre-trained on."""
        return self.decoder(self.encoder(feature))


@MODELS.register_module()
class Translator(BaseConnector):
    """The student-side connector of factor transfer: three 3x3 convs (C_s -> C_s -> kC_t ->
    kC_t, BN and LeakyReLU 0.1 by default, as RepDistiller's code) giving the student's factor,
    compared with the paraphraser's by :class:`FTLoss`.

    Args:
        in_channels (int): student channels C_s.
        teacher_channels (int): teacher channels C_t (the paraphraser's ``in_channels``).
        rate (float): the paraphraser's rate k. Defaults to 0.5.
        use_bn (bool): BatchNorm after each conv. Defaults to True.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels', 'teacher_channels': 'target.channels'}

    def __init__(self, in_channels: int, teacher_channels: int, rate: float = 0.5,
                 use_bn: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        out = factor_channels(teacher_channels, rate)
        self.encoder = _conv_stack((in_channels, in_channels, out, out), False, use_bn)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.encoder(feature)
