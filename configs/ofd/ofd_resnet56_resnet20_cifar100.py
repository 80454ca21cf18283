# OFD on resnet56 -> resnet20: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/distillers/ofd_cifar.py']
model = dict(teacher_norm_train=True, distiller={{_base_.ofd_distiller3}})
