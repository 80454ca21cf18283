# SP on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/sp_cifar.py']
model = dict(distiller={{_base_.sp_distiller3}})
