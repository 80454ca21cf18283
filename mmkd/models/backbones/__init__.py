from .cifar import (CifarImageNetResNet, CifarMobileNetV2, CifarResNet, CifarShuffleNetV1,
                    CifarShuffleNetV2, CifarVGG, CifarWRN)
from .mlp import MLP
from .simple_conv_net import SimpleConvNet

__all__ = ['MLP', 'SimpleConvNet', 'CifarResNet', 'CifarImageNetResNet', 'CifarWRN', 'CifarVGG',
           'CifarMobileNetV2', 'CifarShuffleNetV1', 'CifarShuffleNetV2']
