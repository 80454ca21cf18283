# The distiller is in configs/_base_/distillers/dkd.py (beta 8, as mdistiller for this pair).
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
# DKD's warm-up min(epoch / 20, 1), as mdistiller.
custom_hooks = {{_base_.dkd_warmup_hooks}}
