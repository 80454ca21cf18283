# CWD (setting in configs/_base_/distillers/cwd_cifar.py): pre-ReLU last-stage maps of resnet32x4
# (256x8x8) -> shufflev1 (960x4x4), the student's through conv1x1-BN to the teacher's channels;
# sizes are matched by the loss.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/cwd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pre_taps3.stage3}}),
        teacher_recorders=dict(feat={{_base_.pre_taps3.stage3}}),
        connectors=dict(
            proj=dict(type='ConvModuleConnector', in_channel=960, out_channel=256,
                      kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses={{_base_.cwd_losses}},
        loss_forward_mappings={{_base_.cwd_mappings}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
