# ReviewKD (setting in configs/_base_/distillers/reviewkd_cifar.py): the student's stages
# (12x16x16, 16x8x8, 48x4x4, 160x2x2) and pooled feature, fused deepest first, against the
# teacher's pre-ReLU stages (256x32x32, 512x16x16, 1024x8x8, 2048x4x4) and pooled feature;
# resnet50 -> mobilenetv2.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/reviewkd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.review_student4}},
        teacher_recorders={{_base_.review_teacher4}},
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[12, 16, 48, 160, 1280],
                        out_channels=[256, 512, 1024, 2048, 2048], out_sizes=[32, 16, 8, 4, 1])),
        distill_losses={{_base_.reviewkd_losses}},
        loss_forward_mappings={{_base_.review_mappings4}}))
custom_hooks = {{_base_.reviewkd_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
