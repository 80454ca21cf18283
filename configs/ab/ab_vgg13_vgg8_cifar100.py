# AB on vgg13 -> vgg8: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/distillers/ab_cifar.py']
model = dict(distiller={{_base_.ab_plain_distiller4}})
custom_hooks = {{_base_.ab_plain_hooks}}
