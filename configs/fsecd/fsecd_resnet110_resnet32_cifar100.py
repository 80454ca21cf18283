# FSECD on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/fsecd_cifar.py']
model = dict(distiller={{_base_.fsecd_distiller}})
