# CC on resnet32x4 -> shufflev2: see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/distillers/cc_cifar.py']
model = dict(distiller={{_base_.cc_distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
