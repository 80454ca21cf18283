"""Convolution (+ optional norm and activation) connector."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class ConvModuleConnector(BaseConnector):
    """``mmcv.cnn.ConvModule`` from ``in_channel`` (student) to ``out_channel`` (teacher).

    With ``stride=2`` (or a transposed conv via ``conv_cfg=dict(type='deconv')``) it also fixes
    the spatial size, like FitNets' regressor. Arguments are those of MMRazor's connector.

    Args:
        in_channel (int): student channels.
        out_channel (int): teacher channels.
        kernel_size, stride, padding, dilation, groups, bias: of the convolution.
        conv_cfg (dict, optional): conv layer config (default ``Conv2d``).
        norm_cfg (dict, optional): e.g. ``dict(type='BN')``; none by default.
        act_cfg (dict, optional): activation; ``dict(type='ReLU')`` by default, ``None`` for none.
        inplace (bool): inplace activation. Defaults to False.
        order (tuple): order of conv/norm/act. Defaults to ``('conv', 'norm', 'act')``.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channel': 'input.channels', 'out_channel': 'target.channels'}

    def __init__(self, in_channel: int, out_channel: int,
                 kernel_size: Union[int, Tuple[int, int]] = 1,
                 stride: Union[int, Tuple[int, int]] = 1,
                 padding: Union[int, Tuple[int, int]] = 0,
                 dilation: Union[int, Tuple[int, int]] = 1, groups: int = 1,
                 bias: Union[str, bool] = 'auto', conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None, act_cfg: Optional[dict] = dict(type='ReLU'),
                 inplace: bool = False, order: Sequence[str] = ('conv', 'norm', 'act'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.conv_module = ConvModule(
            in_channel, out_channel, kernel_size, stride, padding, dilation, groups, bias,
            conv_cfg, norm_cfg, act_cfg, inplace, order=tuple(order))

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.conv_module(feature)
