# FSP (setting in configs/_base_/distillers/fsp_cifar.py) between consecutive maps of the stem and
# every stage of vgg13 -> vgg8 (equal widths: 128, 256, 512, 512).
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/fsp_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.fsp_taps4}},
        teacher_recorders={{_base_.fsp_taps4}},
        distill_losses={{_base_.fsp_losses}},
        loss_forward_mappings={{_base_.fsp_mapping4}}))
custom_hooks = {{_base_.fsp_hooks}}
