# The standard CIFAR-100 KD protocol: 240 epochs, batch 64, SGD lr 0.05 (use 0.01 for
# MobileNetV2/ShuffleNet students), x0.1 at epochs 150/180/210.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
