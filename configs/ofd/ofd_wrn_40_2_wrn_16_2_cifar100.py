# OFD on wrn_40_2 -> wrn_16_2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/distillers/ofd_cifar.py']
model = dict(teacher_norm_train=True, distiller={{_base_.ofd_distiller3}})
