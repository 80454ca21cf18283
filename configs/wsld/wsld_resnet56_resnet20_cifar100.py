# The distiller is in configs/_base_/distillers/wsld.py; see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/wsld.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
