# ReviewKD (setting in configs/_base_/distillers/reviewkd_cifar.py): the student's stages
# (116x16x16, 232x8x8, 464x4x4) and pooled feature, fused deepest first, against the teacher's
# pre-ReLU stages (64x32x32, 128x16x16, 256x8x8) and pooled feature; resnet32x4 -> shufflev2.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/reviewkd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.review_student3}},
        teacher_recorders={{_base_.review_teacher3}},
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[116, 232, 464, 1024],
                        out_channels=[64, 128, 256, 256], out_sizes=[32, 16, 8, 1])),
        distill_losses={{_base_.reviewkd_losses}},
        loss_forward_mappings={{_base_.review_mappings3}}))
custom_hooks = {{_base_.reviewkd_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
