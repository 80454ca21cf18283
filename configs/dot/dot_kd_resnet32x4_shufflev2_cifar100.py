# KD trained with DOT on resnet32x4 -> shufflev2:
# mdistiller's CIFAR-100 setting for this pair (lr 0.01, delta 0.075,
# weight decay 5e-4); see dot_kd_resnet32x4_resnet8x4_cifar100.py.
_base_ = ['../kd/kd_resnet32x4_shufflev2_cifar100.py']
optim_wrapper = dict(type='DOTOptimWrapper', optimizer=dict(
    _delete_=True, type='DOTSGD', lr=0.01, momentum=0.9, delta=0.075, weight_decay=5e-4))
