# AT (setting in configs/_base_/distillers/at_cifar.py) on every stage of resnet50 (C x H x W:
# 256x32x32, 512x16x16, 1024x8x8, 2048x4x4) -> mobilenetv2 (12x16x16, 16x8x8, 48x4x4, 160x2x2);
# the larger map of each pair is average-pooled to the smaller.
_base_ = [
    '../_base_/models/cifar_kd/resnet50_mobilenetv2.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/at_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps4}},
        teacher_recorders={{_base_.taps4}},
        distill_losses={{_base_.at_losses}},
        loss_forward_mappings=dict(loss_at={{_base_.stages_mapping4}})))
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
