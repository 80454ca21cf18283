# RKD (setting in configs/_base_/distillers/rkd_cifar.py) on the pooled features of vgg13 (512) ->
# mobilenetv2 (1280).
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/rkd_cifar.py']
model = dict(distiller={{_base_.rkd_distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
