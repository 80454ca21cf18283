# CTKD on resnet32x4 -> shufflev2: the distiller is in configs/_base_/distillers/ctkd.py.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ctkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as the reference
custom_hooks = {{_base_.ctkd_hooks}}
