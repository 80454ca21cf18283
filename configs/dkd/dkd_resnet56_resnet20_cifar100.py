# The distiller is in configs/_base_/distillers/dkd_beta2.py (beta 2, as mdistiller for this pair).
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_beta2.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
# DKD's warm-up min(epoch / 20, 1), as mdistiller.
custom_hooks = {{_base_.dkd_warmup_hooks}}
