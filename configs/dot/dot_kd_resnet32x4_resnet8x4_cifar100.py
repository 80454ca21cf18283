# KD trained with DOT (Zhao et al., ICCV 2023), mdistiller's CIFAR-100 setting: KD (tau 4, weight
# 0.9, CE 0.1) with SGD lr 0.05, momentum 0.9 split into 0.825 for the CE gradients and 0.975 for
# the KD gradients (delta 0.075), weight decay 5e-4. DOT works with any distillation config:
# replace its optim_wrapper as below.
_base_ = ['../kd/kd_resnet32x4_resnet8x4_cifar100.py']
optim_wrapper = dict(type='DOTOptimWrapper', optimizer=dict(
    _delete_=True, type='DOTSGD', lr=0.05, momentum=0.9, delta=0.075, weight_decay=5e-4))
