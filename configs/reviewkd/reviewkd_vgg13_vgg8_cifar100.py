# ReviewKD on vgg13 -> vgg8: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/distillers/reviewkd_cifar.py']
model = dict(distiller={{_base_.reviewkd_distiller4}})
