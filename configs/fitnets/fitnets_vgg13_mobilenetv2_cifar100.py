# FitNets (setting in configs/_base_/distillers/fitnets_stage2.py): the student's stage 2
# (16 ch, 8x8) regressed to the teacher's (256 ch, 8x8) by conv-BN-ReLU.
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/fitnets_stage2.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.stage2_recorders}},
        teacher_recorders={{_base_.stage2_recorders}},
        connectors=dict(
            hint=dict(
                type='ConvModuleConnector',
                in_channel=16,
                out_channel=256,
                kernel_size=1,
                norm_cfg=dict(type='BN'),
                act_cfg=dict(type='ReLU'))),
        distill_losses={{_base_.hint_losses}},
        loss_forward_mappings={{_base_.hint_mappings}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
