# The digits at 4x4, for a low-resolution student (configs/cross_modal/): each 8x8 image
# (after the usual shift in training) averaged over its 2x2 blocks; the test images the same way.
_base_ = ['./digits.py']
downsample = dict(type='Downsample', size=4)
train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=8, padding=1),
    downsample,
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [downsample, dict(type='mmpretrain.PackInputs')]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
