# NST (setting in configs/_base_/distillers/nst_cifar.py) on every stage of wrn_40_2 (C x H x W:
# 32x32x32, 64x16x16, 128x8x8) -> wrn_16_2 (32x32x32, 64x16x16, 128x8x8); the larger map of each
# pair is average-pooled to the smaller.
_base_ = [
    '../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/nst_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps3}},
        teacher_recorders={{_base_.taps3}},
        distill_losses={{_base_.nst_losses}},
        loss_forward_mappings=dict(loss_nst={{_base_.stages_mapping3}})))
