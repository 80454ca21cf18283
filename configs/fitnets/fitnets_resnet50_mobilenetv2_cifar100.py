# FitNets on resnet50 -> mobilenetv2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/distillers/fitnets_stage2.py']
model = dict(distiller={{_base_.fitnets_up_distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
