# AB on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/ab_cifar.py']
model = dict(distiller={{_base_.ab_plain_distiller3}})
custom_hooks = {{_base_.ab_plain_hooks}}
