# AT (setting in configs/_base_/distillers/at_cifar.py) on every stage of resnet56 (C x H x W:
# 16x32x32, 32x16x16, 64x8x8) -> resnet20 (16x32x32, 32x16x16, 64x8x8); the larger map of each
# pair is average-pooled to the smaller.
_base_ = [
    '../_base_/models/cifar_kd/resnet56_resnet20.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/at_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps3}},
        teacher_recorders={{_base_.taps3}},
        distill_losses={{_base_.at_losses}},
        loss_forward_mappings=dict(loss_at={{_base_.stages_mapping3}})))
