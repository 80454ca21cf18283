# ReviewKD (setting in configs/_base_/distillers/reviewkd_cifar.py): the student's stages
# (12x16x16, 16x8x8, 48x4x4, 160x2x2) and pooled feature, fused deepest first, against the
# teacher's pre-ReLU stages (128x16x16, 256x8x8, 512x4x4, 512x4x4) and pooled feature; vgg13 ->
# mobilenetv2.
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/reviewkd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.review_student4}},
        teacher_recorders={{_base_.review_teacher4}},
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[12, 16, 48, 160, 1280],
                        out_channels=[128, 256, 512, 512, 512], out_sizes=[16, 8, 4, 4, 1])),
        distill_losses={{_base_.reviewkd_losses}},
        loss_forward_mappings={{_base_.review_mappings4}}))
custom_hooks = {{_base_.reviewkd_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
