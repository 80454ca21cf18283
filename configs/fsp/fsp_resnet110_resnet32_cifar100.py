# FSP (setting in configs/_base_/distillers/fsp_cifar.py) between consecutive maps of the stem and
# every stage of resnet110 -> resnet32 (equal widths: 16, 32, 64).
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/fsp_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.fsp_taps3}},
        teacher_recorders={{_base_.fsp_taps3}},
        distill_losses={{_base_.fsp_losses}},
        loss_forward_mappings={{_base_.fsp_mapping3}}))
custom_hooks = {{_base_.fsp_hooks}}
