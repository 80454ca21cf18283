# FT on resnet50 -> mobilenetv2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/distillers/ft_cifar.py']
model = dict(distiller={{_base_.ft_distiller4}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
