from .mlp import MLP
from .simple_conv_net import SimpleConvNet

__all__ = ['MLP', 'SimpleConvNet']
