# FitNets on vgg13 -> vgg8: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/distillers/fitnets_stage2.py']
model = dict(distiller={{_base_.fitnets_distiller}})
