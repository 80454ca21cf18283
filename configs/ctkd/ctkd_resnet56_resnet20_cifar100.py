# CTKD on resnet56 -> resnet20: the distiller is in configs/_base_/distillers/ctkd.py.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ctkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
custom_hooks = {{_base_.ctkd_hooks}}
