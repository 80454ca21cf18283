# FitNets on resnet110 -> resnet32: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/distillers/fitnets_stage2.py']
model = dict(distiller={{_base_.fitnets_distiller}})
