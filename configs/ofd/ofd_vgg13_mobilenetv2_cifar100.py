# OFD (setting in configs/_base_/distillers/ofd_cifar.py): pre-ReLU maps of every stage of vgg13
# (128x16x16, 256x8x8, 512x4x4, 512x4x4) -> mobilenetv2 (12x16x16, 16x8x8, 48x4x4, 160x2x2);
# student through conv1x1-BN, teacher (pooled to the student size where larger) raised to the
# margin of the BN before its ReLU.
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ofd_cifar.py']
model = dict(
    teacher_norm_train=True,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps4}},
        teacher_recorders={{_base_.pre_taps4}},
        connectors=dict(
            proj1=dict(type='ConvModuleConnector', in_channel=12, out_channel=128,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin1=dict(type='OFDTeacherConnector', bn='backbone.block1.4',
                         channels=128),
            proj2=dict(type='ConvModuleConnector', in_channel=16, out_channel=256,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin2=dict(type='OFDTeacherConnector', bn='backbone.block2.4',
                         channels=256),
            proj3=dict(type='ConvModuleConnector', in_channel=48, out_channel=512,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin3=dict(type='OFDTeacherConnector', bn='backbone.block3.4',
                         channels=512),
            proj4=dict(type='ConvModuleConnector', in_channel=160, out_channel=512,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin4=dict(type='OFDTeacherConnector', bn='backbone.block4.4',
                         channels=512, output_size=2)),
        distill_losses={{_base_.ofd_losses4}},
        loss_forward_mappings={{_base_.ofd_mappings4}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
