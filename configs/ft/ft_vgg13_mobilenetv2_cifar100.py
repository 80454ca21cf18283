# FT (setting in configs/_base_/distillers/ft_cifar.py) on the last stage of vgg13 (512x4x4) ->
# mobilenetv2 (160x2x2): 30 epochs of paraphraser reconstruction (MSE) alone, then 240 epochs with
# FT (beta 200).
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ft_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.taps4.stage4}}),
        teacher_recorders=dict(feat={{_base_.taps4.stage4}}),
        connectors=dict(
            paraphraser=dict(type='Paraphraser', in_channels=512, rate=0.5),
            translator=dict(type='Translator', in_channels=160, teacher_channels=512,
                            rate=0.5)),
        distill_losses={{_base_.ft_losses}},
        loss_forward_mappings={{_base_.ft_mappings}}))
custom_hooks = {{_base_.ft_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
