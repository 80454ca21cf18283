# ReviewKD (setting in configs/_base_/distillers/reviewkd_cifar.py): the student's stages
# (32x32x32, 64x16x16, 128x8x8) and pooled feature, fused deepest first, against the teacher's
# pre-ReLU stages (32x32x32, 64x16x16, 128x8x8) and pooled feature; wrn_40_2 -> wrn_16_2.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/reviewkd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.review_student3}},
        teacher_recorders={{_base_.review_teacher3}},
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[32, 64, 128, 128],
                        out_channels=[32, 64, 128, 128], out_sizes=[32, 16, 8, 1])),
        distill_losses={{_base_.reviewkd_losses}},
        loss_forward_mappings={{_base_.review_mappings3}}))
custom_hooks = {{_base_.reviewkd_hooks}}
