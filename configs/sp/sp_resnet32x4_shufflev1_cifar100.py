# SP (setting in configs/_base_/distillers/sp_cifar.py) on the last stage of resnet32x4 (256x8x8)
# -> shufflev1 (960x4x4).
_base_ = [
    '../_base_/models/cifar_kd/resnet32x4_shufflev1.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/sp_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.taps3.stage3}}),
        teacher_recorders=dict(feat={{_base_.taps3.stage3}}),
        distill_losses={{_base_.sp_losses}},
        loss_forward_mappings=dict(loss_sp={{_base_.feat_mapping}})))
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
