# The label-smoothing control on CIFAR-100 (resnet8x4 alone, epsilon 0.1).
_base_ = ['../cifar_zoo/resnet8x4_cifar100.py']
model = dict(head=dict(loss=dict(
    _delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
