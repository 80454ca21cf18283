# PKD on resnet32x4 -> resnet8x4: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/distillers/pkd_cifar.py']
model = dict(distiller={{_base_.pkd_distiller3}})
