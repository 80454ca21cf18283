# OFD (setting in configs/_base_/distillers/ofd_cifar.py): pre-ReLU maps of every stage of
# resnet32x4 (64x32x32, 128x16x16, 256x8x8) -> resnet8x4 (64x32x32, 128x16x16, 256x8x8); student
# through conv1x1-BN, teacher (pooled to the student size where larger) raised to the margin of
# the BN before its ReLU.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ofd_cifar.py']
model = dict(
    teacher_norm_train=True,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        connectors=dict(
            proj1=dict(type='ConvModuleConnector', in_channel=64, out_channel=64,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin1=dict(type='OFDTeacherConnector', bn='backbone.layer1.4.bn2',
                         channels=64),
            proj2=dict(type='ConvModuleConnector', in_channel=128, out_channel=128,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin2=dict(type='OFDTeacherConnector', bn='backbone.layer2.4.bn2',
                         channels=128),
            proj3=dict(type='ConvModuleConnector', in_channel=256, out_channel=256,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin3=dict(type='OFDTeacherConnector', bn='backbone.layer3.4.bn2',
                         channels=256)),
        distill_losses={{_base_.ofd_losses3}},
        loss_forward_mappings={{_base_.ofd_mappings3}}))
