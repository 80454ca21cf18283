# SP (setting in configs/_base_/distillers/sp_cifar.py) on the last stage of vgg13 (512x4x4) ->
# mobilenetv2 (160x2x2).
_base_ = [
    '../_base_/models/cifar_kd/vgg13_mobilenetv2.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/sp_cifar.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.taps4.stage4}}),
        teacher_recorders=dict(feat={{_base_.taps4.stage4}}),
        distill_losses={{_base_.sp_losses}},
        loss_forward_mappings=dict(loss_sp={{_base_.feat_mapping}})))
# Lighter students train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
