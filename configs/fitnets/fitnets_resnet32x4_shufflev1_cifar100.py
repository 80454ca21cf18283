# FitNets (setting in configs/_base_/distillers/fitnets_stage2.py): the student's stage 2
# (480 ch, 8x8) regressed to the teacher's (128 ch, 16x16) by conv-BN-ReLU.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/fitnets_stage2.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.stage2_recorders}},
        teacher_recorders={{_base_.stage2_recorders}},
        connectors=dict(
            hint=dict(
                type='ConvModuleConnector',
                in_channel=480,
                out_channel=128,
                kernel_size=4, stride=2, padding=1, conv_cfg=dict(type='deconv'),
                norm_cfg=dict(type='BN'),
                act_cfg=dict(type='ReLU'))),
        distill_losses={{_base_.hint_losses}},
        loss_forward_mappings={{_base_.hint_mappings}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
