# CRD on wrn_40_2 -> wrn_40_1: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/distillers/crd_cifar.py']
model = dict(distiller={{_base_.crd_distiller}})
