# mmpretrain's CIFAR ResNets (3x3 stem, no max-pool) for 100 classes: the teacher/student pair
# used until mmkd's CIFAR model zoo (resnet32x4 -> resnet8x4 and the other standard pairs) lands.
teacher_model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=34),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
student_model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
