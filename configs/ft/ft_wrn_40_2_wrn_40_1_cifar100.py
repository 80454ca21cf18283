# FT (setting in configs/_base_/distillers/ft_cifar.py) on the last stage of wrn_40_2 (128x8x8) ->
# wrn_40_1 (64x8x8): 30 epochs of paraphraser reconstruction (MSE) alone at lr 0.01 (the reference
# code's rate for ResNet/WRN students), then 240 epochs with FT (beta 200).
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ft_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.taps3.stage3}}),
        teacher_recorders=dict(feat={{_base_.taps3.stage3}}),
        connectors=dict(
            paraphraser=dict(type='Paraphraser', in_channels=128, rate=0.5),
            translator=dict(type='Translator', in_channels=64, teacher_channels=128,
                            rate=0.5)),
        distill_losses={{_base_.ft_losses}},
        loss_forward_mappings={{_base_.ft_mappings}}))
custom_hooks = {{_base_.ft_hooks}}
param_scheduler = [
    dict(type='ConstantLR', factor=0.2, begin=0, end=30, by_epoch=True),
    {{_base_.main_stage_scheduler}}
]
