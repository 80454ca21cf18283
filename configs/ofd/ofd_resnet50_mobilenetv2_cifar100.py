# OFD (setting in configs/_base_/distillers/ofd_cifar.py): pre-ReLU maps of every stage of
# resnet50 (256x32x32, 512x16x16, 1024x8x8, 2048x4x4) -> mobilenetv2 (12x16x16, 16x8x8, 48x4x4,
# 160x2x2); student through conv1x1-BN, teacher (pooled to the student size where larger) raised
# to the margin of the BN before its ReLU.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/ofd_cifar.py']
model = dict(
    teacher_norm_train=True,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps4}},
        teacher_recorders={{_base_.pre_taps4}},
        connectors=dict(
            proj1=dict(type='ConvModuleConnector', in_channel=12, out_channel=256,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin1=dict(type='OFDTeacherConnector', bn='backbone.layer1.2.bn3',
                         channels=256, output_size=16),
            proj2=dict(type='ConvModuleConnector', in_channel=16, out_channel=512,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin2=dict(type='OFDTeacherConnector', bn='backbone.layer2.3.bn3',
                         channels=512, output_size=8),
            proj3=dict(type='ConvModuleConnector', in_channel=48, out_channel=1024,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin3=dict(type='OFDTeacherConnector', bn='backbone.layer3.5.bn3',
                         channels=1024, output_size=4),
            proj4=dict(type='ConvModuleConnector', in_channel=160, out_channel=2048,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None),
            margin4=dict(type='OFDTeacherConnector', bn='backbone.layer4.2.bn3',
                         channels=2048, output_size=2)),
        distill_losses={{_base_.ofd_losses4}},
        loss_forward_mappings={{_base_.ofd_mappings4}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
