# CIFAR-100 through mmpretrain's loader. Put the python version of the data set
# (cifar-100-python/{train,test,meta}) under data/cifar100; nothing is downloaded at run time.
dataset_type = 'mmpretrain.CIFAR100'
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.070, 112.434],  # (0.5071, 0.4865, 0.4409) * 255
    std=[68.170, 65.392, 70.418],  # (0.2673, 0.2564, 0.2762) * 255
    to_rgb=False,
)
train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [dict(type='mmpretrain.PackInputs')]
train_dataset = dict(type=dataset_type, data_root='data/cifar100', split='train',
                     pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root='data/cifar100', split='test',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
