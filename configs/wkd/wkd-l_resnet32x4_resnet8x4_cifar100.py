# WKD-L on resnet32x4 -> resnet8x4: the distiller is in configs/_base_/distillers/wkd.py.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/wkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.wkd_l_distiller}})
custom_hooks = {{_base_.wkd_hooks_l}}
