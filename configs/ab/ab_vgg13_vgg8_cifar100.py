# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of vgg13
# (128x16x16, 256x8x8, 512x4x4, 512x4x4) -> vgg8 (128x16x16, 256x8x8, 512x4x4, 512x4x4); equal
# shapes, so no regressors. 30 initialisation epochs (AB loss alone), then 240 epochs of CE.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps4}},
        teacher_recorders={{_base_.pre_taps4}},
        distill_losses={{_base_.ab_losses4}},
        loss_forward_mappings={{_base_.ab_plain_mappings4}}))
custom_hooks = {{_base_.ab_plain_hooks}}
