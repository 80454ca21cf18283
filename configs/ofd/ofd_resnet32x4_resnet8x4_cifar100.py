# OFD on resnet32x4 -> resnet8x4: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/distillers/ofd_cifar.py']
model = dict(teacher_norm_train=True, distiller={{_base_.ofd_distiller3}})
