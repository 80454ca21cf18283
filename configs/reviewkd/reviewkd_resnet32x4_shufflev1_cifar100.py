# ReviewKD on resnet32x4 -> shufflev1: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev1.py',
          '../_base_/distillers/reviewkd_cifar.py']
model = dict(distiller={{_base_.reviewkd_distiller3}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
