# vgg11 of the CIFAR KD benchmarks (RepDistiller/mdistiller definition, 9,277,284 parameters
# with 100 classes). Feature taps: backbone.taps.<name> for stem, stage1, stage2, stage3, stage4 (and stage*_pre).
model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='mmkd.CifarVGG', depth=11),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
