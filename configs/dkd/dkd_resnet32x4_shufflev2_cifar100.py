# The distiller is in configs/_base_/distillers/dkd.py (beta 8, as mdistiller for this pair).
_base_ = [
    '../_base_/models/cifar_kd/resnet32x4_shufflev2.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/dkd.py'
]
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight={{_base_.student_loss_weight}}))),
    distiller={{_base_.distiller}})
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
# DKD's warm-up min(epoch / 20, 1), as mdistiller.
custom_hooks = {{_base_.dkd_warmup_hooks}}
