# OFD on vgg13 -> vgg8: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/distillers/ofd_cifar.py']
model = dict(teacher_norm_train=True, distiller={{_base_.ofd_distiller4}})
