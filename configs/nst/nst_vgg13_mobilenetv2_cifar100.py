# NST (setting in configs/_base_/distillers/nst_cifar.py) on every stage of vgg13 (C x H x W:
# 128x16x16, 256x8x8, 512x4x4, 512x4x4) -> mobilenetv2 (12x16x16, 16x8x8, 48x4x4, 160x2x2); the
# larger map of each pair is average-pooled to the smaller.
_base_ = [
    '../_base_/models/cifar_kd/vgg13_mobilenetv2.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/nst_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps4}},
        teacher_recorders={{_base_.taps4}},
        distill_losses={{_base_.nst_losses}},
        loss_forward_mappings=dict(loss_nst={{_base_.stages_mapping4}})))
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
