# The CIFAR-100 protocol of cifar100_240e.py behind a 30-epoch first stage (DistillStagesHook),
# as RepDistiller's --init_epochs 30 for AB, FT and FSP: 270 epochs in all, the first 30 at the
# constant base lr, then the 240-epoch schedule (x0.1 at 150/180/210 of its own epochs).
_base_ = ['./cifar100_240e.py']
main_stage_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210],
                            gamma=0.1, begin=30, end=270)
param_scheduler = [main_stage_scheduler]
train_cfg = dict(max_epochs=270)
