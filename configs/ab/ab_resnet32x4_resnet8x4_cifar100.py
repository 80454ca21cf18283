# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of
# resnet32x4 (64x32x32, 128x16x16, 256x8x8) -> resnet8x4 (64x32x32, 128x16x16, 256x8x8); equal
# shapes, so no regressors. 30 initialisation epochs (AB loss alone), then 240 epochs of CE.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        distill_losses={{_base_.ab_losses3}},
        loss_forward_mappings={{_base_.ab_plain_mappings3}}))
custom_hooks = {{_base_.ab_plain_hooks}}
