# ReviewKD on wrn_40_2 -> wrn_16_2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/distillers/reviewkd_cifar.py']
model = dict(distiller={{_base_.reviewkd_distiller3}})
