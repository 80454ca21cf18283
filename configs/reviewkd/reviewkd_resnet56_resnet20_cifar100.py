# ReviewKD on resnet56 -> resnet20: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/distillers/reviewkd_cifar.py']
model = dict(distiller={{_base_.reviewkd_distiller3}})
