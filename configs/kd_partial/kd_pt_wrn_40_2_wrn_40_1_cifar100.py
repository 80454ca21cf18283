# The distiller is in configs/_base_/distillers/kd_pt.py; see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/kd_pt.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
