# DKD with logit standardisation on resnet32x4 -> resnet8x4: the distiller is in configs/_base_/distillers/dkd_ls.py.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
# DKD's warm-up min(epoch / 20, 1), as the reference.
custom_hooks = {{_base_.dkd_warmup_hooks}}
