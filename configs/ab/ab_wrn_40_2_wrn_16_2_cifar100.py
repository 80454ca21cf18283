# AB on wrn_40_2 -> wrn_16_2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/distillers/ab_cifar.py']
model = dict(distiller={{_base_.ab_plain_distiller3}})
custom_hooks = {{_base_.ab_plain_hooks}}
