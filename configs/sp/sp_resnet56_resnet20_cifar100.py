# SP (setting in configs/_base_/distillers/sp_cifar.py) on the last stage of resnet56 (64x8x8) ->
# resnet20 (64x8x8).
_base_ = [
    '../_base_/models/cifar_kd/resnet56_resnet20.py', '../_base_/datasets/cifar100.py',
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
