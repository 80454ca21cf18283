# wrn_40_1 of the CIFAR KD benchmarks (RepDistiller/mdistiller definition, 569,780 parameters
# with 100 classes). Feature taps: backbone.taps.<name> for stem, stage1, stage2, stage3 (and stage*_pre).
model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='mmkd.CifarWRN', depth=40, widen_factor=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
