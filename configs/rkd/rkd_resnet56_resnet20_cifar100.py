# RKD (setting in configs/_base_/distillers/rkd_cifar.py) on the pooled features of resnet56 (64)
# -> resnet20 (64).
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/rkd_cifar.py']
model = dict(distiller={{_base_.rkd_distiller}})
