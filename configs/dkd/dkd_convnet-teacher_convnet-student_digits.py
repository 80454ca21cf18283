# The distiller is in configs/_base_/distillers/dkd.py; see README.md in this folder.
_base_ = [
    '../_base_/models/digits/kd_convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/dkd.py'
]
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight={{_base_.student_loss_weight}}))),
    distiller={{_base_.distiller}})
# DKD's warm-up: min(epoch / 5, 1) on the distillation loss (mdistiller: 20 of 240 epochs).
custom_hooks = {{_base_.dkd_warmup_hooks_digits}}
