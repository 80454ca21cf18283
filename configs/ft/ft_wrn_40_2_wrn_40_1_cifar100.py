# FT on wrn_40_2 -> wrn_40_1: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/distillers/ft_cifar.py']
model = dict(distiller={{_base_.ft_distiller3}})
param_scheduler = {{_base_.ft_scheduler_lr005}}
