# The label-smoothing control on CIFAR-100 (student alone, epsilon 0.1).
_base_ = ['../teachers/resnet18_cifar100.py']
model = dict(head=dict(loss=dict(
    _delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
