# The digits teacher -> student pair without the training data: DataFreeDistill, a generator
# of 8x8 images, the training set replaced by placeholders (nothing of it is read), and the
# digits test split to validate on. A data-free method config adds the two distillers and may
# change the steps and optimizers.
_base_ = [
    './models/digits/convnets.py', './datasets/digits.py', './default_runtime.py'
]
model = dict(
    type='DataFreeDistill',
    architecture={{_base_.student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt='work_dirs/teacher_convnet_digits/epoch_40.pth',
    generator=dict(type='DCGANGenerator', image_shape=(1, 8, 8), latent_dim=100,
                   hidden_channels=128),
)
# An epoch is 50 steps of 128 synthesized images (DFAD's 50 iterations an "epoch"), 20 epochs.
train_dataloader = dict(
    _delete_=True,
    batch_size=128,
    num_workers=0,
    dataset=dict(type='SyntheticSamples', num_samples=50 * 128),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
optim_wrapper = dict(
    constructor='SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='Adam', lr=2e-3)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
# Constant learning rates, as DAFL's and DFAD's MNIST recipes.
param_scheduler = dict(
    architecture=[dict(type='ConstantLR', factor=1.0, by_epoch=True)],
    generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
