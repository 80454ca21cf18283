# SKD on resnet32x4 -> resnet8x4: the distiller is in configs/_base_/distillers/skd.py.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/skd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
