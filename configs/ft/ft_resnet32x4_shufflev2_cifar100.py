# FT (setting in configs/_base_/distillers/ft_cifar.py) on the last stage of resnet32x4 (256x8x8)
# -> shufflev2 (464x4x4): 30 epochs of paraphraser reconstruction (MSE) alone, then 240 epochs
# with FT (beta 200).
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ft_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.taps3.stage3}}),
        teacher_recorders=dict(feat={{_base_.taps3.stage3}}),
        connectors=dict(
            paraphraser=dict(type='Paraphraser', in_channels=256, rate=0.5),
            translator=dict(type='Translator', in_channels=464, teacher_channels=256,
                            rate=0.5)),
        distill_losses={{_base_.ft_losses}},
        loss_forward_mappings={{_base_.ft_mappings}}))
custom_hooks = {{_base_.ft_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
