# OFD on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/ofd_cifar.py']
model = dict(teacher_norm_train=True, distiller={{_base_.ofd_distiller3}})
