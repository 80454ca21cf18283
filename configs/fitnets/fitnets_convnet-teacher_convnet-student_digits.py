# FitNets hint (Romero et al. 2015) in the single-stage form of the benchmarks: the student's
# last stage, regressed by a conv connector to the teacher's width, matches the teacher's last
# stage (MSE), next to the student's own loss (no KD loss: the hint alone, as in the CIFAR
# benchmark tables, so its effect is seen without vanilla KD).
_base_ = [
    '../_base_/models/digits/kd_convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        connectors=dict(
            hint=dict(
                type='ConvModuleConnector',
                in_channel=16,
                out_channel=128,
                kernel_size=3,
                padding=1,
                norm_cfg=dict(type='BN'),
                act_cfg=dict(type='ReLU'))),
        distill_losses=dict(loss_hint=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_hint=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='hint'),
                preds_T=dict(recorder='feat', from_student=False)))))
