# CWD on vgg13 -> vgg8: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/distillers/cwd_cifar.py']
model = dict(distiller={{_base_.cwd_distiller4}})
