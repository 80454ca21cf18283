# AT (setting in configs/_base_/distillers/at_cifar.py) on every stage of resnet32x4 (C x H x W:
# 64x32x32, 128x16x16, 256x8x8) -> shufflev2 (116x16x16, 232x8x8, 464x4x4); the larger map of each
# pair is average-pooled to the smaller.
_base_ = [
    '../_base_/models/cifar_kd/resnet32x4_shufflev2.py', '../_base_/datasets/cifar100.py',
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
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
