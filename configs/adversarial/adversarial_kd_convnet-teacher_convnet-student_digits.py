# Vanilla KD (tau 4, weight 0.9, CE 0.1) plus an adversarial term on the logits (Xu et al.,
# 2018), the discriminator with its own Adam optimizer (a GAN's usual settings) beside the
# student's SGD. See README.md.
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/kd.py']
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight={{_base_.student_loss_weight}}))),
    distiller=dict(
        type='ConfigurableDistiller',
        input_shape=(1, 8, 8),  # for the discriminator's 'auto' width
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders={{_base_.logits_recorders}},
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
            loss_adv=dict(type='AdversarialLoss', in_channels='auto', loss_weight=0.1)),
        loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}},
                                   loss_adv={{_base_.logits_mapping}})))
optim_wrapper = dict(
    _delete_=True,
    constructor='SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)),
    discriminator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
                       modules=['distiller.distill_losses.loss_adv']))
param_scheduler = dict(
    _delete_=True,
    architecture=[dict(type='CosineAnnealingLR', T_max=40, by_epoch=True,
                       convert_to_iter_based=True)],
    discriminator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
