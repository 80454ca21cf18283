# CTKD on wrn_40_2 -> wrn_40_1: the distiller is in configs/_base_/distillers/ctkd.py.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ctkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
custom_hooks = {{_base_.ctkd_hooks}}
