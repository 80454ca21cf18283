"""The CIFAR networks of the KD benchmarks (RepDistiller / mdistiller definitions)."""
from .cifar_mobilenet_v2 import CifarMobileNetV2
from .cifar_resnet import CifarImageNetResNet, CifarResNet
from .cifar_shufflenet_v1 import CifarShuffleNetV1
from .cifar_shufflenet_v2 import CifarShuffleNetV2
from .cifar_vgg import CifarVGG
from .cifar_wrn import CifarWRN
from .reference_checkpoints import convert_reference_state_dict, reference_state_dict
from .tapped_backbone import TappedBackbone
from .zoo import CIFAR_ZOO, cifar_classifier

__all__ = ['CifarResNet', 'CifarImageNetResNet', 'CifarWRN', 'CifarVGG', 'CifarMobileNetV2',
           'CifarShuffleNetV1', 'CifarShuffleNetV2', 'TappedBackbone', 'CIFAR_ZOO',
           'cifar_classifier', 'convert_reference_state_dict', 'reference_state_dict']
