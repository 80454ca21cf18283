# CWD (setting in configs/_base_/distillers/cwd_cifar.py): pre-ReLU last-stage maps of vgg13
# (512x4x4) -> vgg8 (512x4x4), the student's through conv1x1-BN to the teacher's channels.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/cwd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pre_taps4.stage4}}),
        teacher_recorders=dict(feat={{_base_.pre_taps4.stage4}}),
        connectors=dict(
            proj=dict(type='ConvModuleConnector', in_channel=512, out_channel=512,
                      kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses={{_base_.cwd_losses}},
        loss_forward_mappings={{_base_.cwd_mappings}}))
