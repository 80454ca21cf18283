from .simple_conv_net import SimpleConvNet

__all__ = ['SimpleConvNet']
