# The distiller is in configs/_base_/distillers/dkd_beta6.py (beta 6, as mdistiller for this pair).
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_beta6.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
# DKD's warm-up min(epoch / 20, 1), as mdistiller.
custom_hooks = {{_base_.dkd_warmup_hooks}}
