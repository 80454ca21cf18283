"""Names of the benchmark CIFAR networks and the backbone configs that build them."""
from typing import Dict

# name used by RepDistiller/mdistiller -> (mmkd backbone config, classifier input channels)
CIFAR_ZOO: Dict[str, tuple] = {
    **{f'resnet{d}': (dict(type='CifarResNet', depth=d), 64)
       for d in (8, 14, 20, 32, 44, 56, 110)},
    'resnet8x4': (dict(type='CifarResNet', depth=8, widths=(32, 64, 128, 256)), 256),
    'resnet32x4': (dict(type='CifarResNet', depth=32, widths=(32, 64, 128, 256)), 256),
    **{f'wrn_{d}_{k}': (dict(type='CifarWRN', depth=d, widen_factor=k), 64 * k)
       for d in (16, 40) for k in (1, 2)},
    **{f'vgg{d}': (dict(type='CifarVGG', depth=d), 512) for d in (8, 11, 13, 16, 19)},
    'MobileNetV2': (dict(type='CifarMobileNetV2', expand_ratio=6, width_mult=0.5), 1280),
    'ShuffleV1': (dict(type='CifarShuffleNetV1'), 960),
    'ShuffleV2': (dict(type='CifarShuffleNetV2', net_size=1), 1024),
    'ResNet50': (dict(type='CifarImageNetResNet', depth=50), 2048),
}


def cifar_classifier(name: str, num_classes: int = 100) -> dict:
    """mmpretrain ``ImageClassifier`` config of a zoo network: backbone, global average
    pooling and a linear head, which together compute the reference network's logits."""
    if name not in CIFAR_ZOO:
        raise KeyError(f'unknown CIFAR network {name!r}; known: {", ".join(CIFAR_ZOO)}')
    backbone, channels = CIFAR_ZOO[name]
    return dict(
        type='mmpretrain.ImageClassifier',
        backbone=dict(backbone, type='mmkd.' + backbone['type']),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='mmpretrain.LinearClsHead', num_classes=num_classes, in_channels=channels,
                  loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)))
