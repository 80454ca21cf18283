# CC on vgg13 -> mobilenetv2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/distillers/cc_cifar.py']
model = dict(distiller={{_base_.cc_distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
