# SP (setting in configs/_base_/distillers/sp_cifar.py) on the last stage of wrn_40_2 (128x8x8) ->
# wrn_40_1 (64x8x8).
_base_ = [
    '../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py', '../_base_/datasets/cifar100.py',
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
