"""FitNets' regressor: matches channels and spatial size of a student map to a teacher map."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from .base_connector import BaseConnector

Size = Union[int, Sequence[int]]


def _pair(size: Size, key: str) -> Tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        return size, size
    if isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(s, int) for s in size):
        return tuple(size)
    raise KDConfigError(f'{key} must be an int or an (H, W) pair, got {size!r}')


@MODELS.register_module()
class HintRegressor(BaseConnector):
    """Conv + BN (+ ReLU) from a student map (C_s, H_s, W_s) to a teacher map (C_t, H_t, W_t).

    The convolution is chosen by the sizes, as the CIFAR benchmark code's regressor
    (RepDistiller's ``ConvReg``, used by FitNets and, without the ReLU, by AB's connector):

    * H_s = 2·H_t: 3x3 conv, stride 2, padding 1;
    * 2·H_s = H_t: 4x4 transposed conv, stride 2, padding 1;
    * H_s >= H_t otherwise: a (1 + H_s - H_t) x (1 + W_s - W_t) conv without padding (1x1 when
      the sizes are equal).

    A student map smaller than the teacher's by other than a factor 2 is refused at build time.
    The paper (Romero et al., ICLR 2015, "FitNets: Hints for Thin Deep Nets") uses a
    convolutional regressor sized so the output matches the hint; the BN (and ReLU) follow the
    benchmark code.

    Args:
        in_channels (int): student channels C_s.
        out_channels (int): teacher channels C_t.
        in_size (int | tuple): student H_s (x W_s).
        out_size (int | tuple): teacher H_t (x W_t).
        use_relu (bool): end with a ReLU (FitNets) or not (AB). Defaults to True.
    """

    #: arguments that may be 'auto' (see ``mmkd/models/distillers/shape_inference.py``)
    shape_args = {'in_channels': 'input.channels', 'out_channels': 'target.channels',
                  'in_size': 'input.size', 'out_size': 'target.size'}

    def __init__(self, in_channels: int, out_channels: int, in_size: Size, out_size: Size,
                 use_relu: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        (hs, ws), (ht, wt) = _pair(in_size, 'HintRegressor.in_size'), \
            _pair(out_size, 'HintRegressor.out_size')
        if hs == 2 * ht:
            self.conv = nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1)
        elif 2 * hs == ht:
            self.conv = nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1)
        elif hs >= ht and ws >= wt:
            self.conv = nn.Conv2d(in_channels, out_channels, (1 + hs - ht, 1 + ws - wt))
        else:
            raise KDConfigError(
                f'HintRegressor: a student map of {hs}x{ws} cannot be regressed to the '
                f'teacher\'s {ht}x{wt} (supported: twice, half, or larger than the teacher\'s); '
                'pick a student tap at least as large, or resize it with InterpolateConnector')
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU() if use_relu else nn.Identity()

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(feature)))
