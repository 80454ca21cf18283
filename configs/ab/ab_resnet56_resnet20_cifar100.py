# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of resnet56
# (16x32x32, 32x16x16, 64x8x8) -> resnet20 (16x32x32, 32x16x16, 64x8x8); equal shapes, so no
# regressors. 30 initialisation epochs (AB loss alone), then 240 epochs of CE.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        distill_losses={{_base_.ab_losses3}},
        loss_forward_mappings={{_base_.ab_plain_mappings3}}))
custom_hooks = {{_base_.ab_plain_hooks}}
