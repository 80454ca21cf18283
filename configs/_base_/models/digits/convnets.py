# A teacher and a student for the 8x8 digits: plain CNNs of different width and depth.
teacher_model = dict(
    _scope_='mmpretrain',  # unprefixed nested types (neck, head, loss) are mmpretrain's
    type='ImageClassifier',
    backbone=dict(type='mmkd.SimpleConvNet', in_channels=1, widths=(64, 128), num_convs=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
student_model = dict(
    _scope_='mmpretrain',  # unprefixed nested types (neck, head, loss) are mmpretrain's
    type='ImageClassifier',
    backbone=dict(type='mmkd.SimpleConvNet', in_channels=1, widths=(8, 16), num_convs=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=16,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
