"""A linear projector (optionally a small MLP) between embeddings."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class LinearConnector(BaseConnector):
    """``Linear(in, out)`` on the flattened input (a (B, C, H, W) map is flattened per sample),
    or, with ``hidden_channels``, ``Linear -> [BN] -> ReLU -> Linear`` (the projection heads of
    contrastive and relation methods).

    Args:
        in_channels (int): input features per sample (after flattening).
        out_channels (int): output features.
        hidden_channels (int, optional): width of a hidden layer; none by default.
        norm (bool): BatchNorm1d after the hidden layer. Defaults to False.
        bias (bool): biases of the linear layers. Defaults to True.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels', 'out_channels': 'target.channels'}

    def __init__(self, in_channels: int, out_channels: int,
                 hidden_channels: Optional[int] = None, norm: bool = False, bias: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if hidden_channels is None:
            self.proj = nn.Linear(in_channels, out_channels, bias=bias)
        else:
            layers = [nn.Linear(in_channels, hidden_channels, bias=bias)]
            if norm:
                layers.append(nn.BatchNorm1d(hidden_channels))
            layers += [nn.ReLU(inplace=True), nn.Linear(hidden_channels, out_channels, bias=bias)]
            self.proj = nn.Sequential(*layers)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.proj(feature.flatten(1))
