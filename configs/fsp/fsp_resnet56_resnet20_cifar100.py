# FSP on resnet56 -> resnet20: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/distillers/fsp_cifar.py']
model = dict(distiller={{_base_.fsp_distiller3}})
