# CTKD on vgg13 -> vgg8: the distiller is in configs/_base_/distillers/ctkd.py.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ctkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
custom_hooks = {{_base_.ctkd_hooks}}
