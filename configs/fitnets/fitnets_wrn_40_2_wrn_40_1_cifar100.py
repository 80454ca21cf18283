# FitNets (Romero et al. 2015) as in mdistiller: the student's stage 2 (32 ch, 16x16) regressed
# to the teacher's (64 ch, 16x16) by conv-BN-ReLU; MSE x 100 next to CE x 1.
_base_ = [
    '../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.taps.stage2')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.taps.stage2')),
        connectors=dict(
            hint=dict(
                type='ConvModuleConnector',
                in_channel=32,
                out_channel=64,
                kernel_size=1,
                norm_cfg=dict(type='BN'),
                act_cfg=dict(type='ReLU'))),
        distill_losses=dict(loss_hint=dict(type='L2Loss', loss_weight=100.0)),
        loss_forward_mappings=dict(
            loss_hint=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='hint'),
                preds_T=dict(recorder='feat', from_student=False)))))
