# CWD (setting in configs/_base_/distillers/cwd_cifar.py): pre-ReLU last-stage maps of wrn_40_2
# (128x8x8) -> wrn_16_2 (128x8x8), the student's through conv1x1-BN to the teacher's channels.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/cwd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pre_taps3.stage3}}),
        teacher_recorders=dict(feat={{_base_.pre_taps3.stage3}}),
        connectors=dict(
            proj=dict(type='ConvModuleConnector', in_channel=128, out_channel=128,
                      kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses={{_base_.cwd_losses}},
        loss_forward_mappings={{_base_.cwd_mappings}}))
