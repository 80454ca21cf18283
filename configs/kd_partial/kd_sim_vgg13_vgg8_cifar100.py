# The distiller is in configs/_base_/distillers/kd_sim.py; see README.md in this folder.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/kd_sim.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
