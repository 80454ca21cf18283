# OFD (setting in configs/_base_/distillers/ofd_cifar.py): pre-ReLU maps of every stage of
# wrn_40_2 (32x32x32, 64x16x16, 128x8x8) -> wrn_16_2 (32x32x32, 64x16x16, 128x8x8); student
# through conv1x1-BN, teacher (pooled to the student size where larger) raised to the margin of
# the BN before its ReLU.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ofd_cifar.py']
model = dict(
    teacher_norm_train=True,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        connectors=dict(
            proj1=dict(type='ConvModuleConnector', in_channel=32, out_channel=32,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin1=dict(type='OFDTeacherConnector', bn='backbone.block2.layer.0.bn1',
                         channels=32),
            proj2=dict(type='ConvModuleConnector', in_channel=64, out_channel=64,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin2=dict(type='OFDTeacherConnector', bn='backbone.block3.layer.0.bn1',
                         channels=64),
            proj3=dict(type='ConvModuleConnector', in_channel=128, out_channel=128,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin3=dict(type='OFDTeacherConnector', bn='backbone.bn1',
                         channels=128)),
        distill_losses={{_base_.ofd_losses3}},
        loss_forward_mappings={{_base_.ofd_mappings3}}))
