# ReviewKD (setting in configs/_base_/distillers/reviewkd_cifar.py): the student's stages
# (16x32x32, 32x16x16, 64x8x8) and pooled feature, fused deepest first, against the teacher's pre-
# ReLU stages (16x32x32, 32x16x16, 64x8x8) and pooled feature; resnet110 -> resnet32.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/reviewkd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.review_student3}},
        teacher_recorders={{_base_.review_teacher3}},
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[16, 32, 64, 64],
                        out_channels=[16, 32, 64, 64], out_sizes=[32, 16, 8, 1])),
        distill_losses={{_base_.reviewkd_losses}},
        loss_forward_mappings={{_base_.review_mappings3}}))
custom_hooks = {{_base_.reviewkd_hooks}}
