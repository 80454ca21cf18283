# DKD with logit standardisation on the digits CNNs: the distiller is in configs/_base_/distillers/dkd_ls.py.
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
# DKD's warm-up: min(epoch / 5, 1) on the distillation loss (the reference: 20 of 240 epochs).
custom_hooks = {{_base_.dkd_warmup_hooks_digits}}
