# CRD on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/crd_cifar.py']
model = dict(distiller={{_base_.crd_distiller}})
