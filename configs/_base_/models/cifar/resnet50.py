# ResNet50 of the CIFAR KD benchmarks (RepDistiller/mdistiller definition, 23,705,252 parameters
# with 100 classes). Feature taps: backbone.taps.<name> for stem, stage1, stage2, stage3, stage4 (and stage*_pre).
model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='mmkd.CifarImageNetResNet', depth=50),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
