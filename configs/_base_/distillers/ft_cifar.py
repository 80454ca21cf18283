# Factor transfer (Kim et al. 2018) as RepDistiller runs it on CIFAR-100: the last stage's
# output; a paraphraser (rate 0.5, no BN) on the teacher's map is trained alone on MSE
# reconstruction for 30 epochs, then frozen while the student learns through its translator
# with the FT loss (beta 200) next to its CE (weight 1). Pair configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_init30_240e.py']
ft_losses = dict(
    loss_rec=dict(type='L2Loss'),
    loss_ft=dict(type='FTLoss', mode='repdistiller', loss_weight=200.0))
ft_mappings = dict(
    loss_rec=dict(
        preds_S=dict(recorder='feat', from_student=False, connector='paraphraser.reconstruct'),
        preds_T=dict(recorder='feat', from_student=False)),
    loss_ft=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='translator'),
        preds_T=dict(recorder='feat', from_student=False, connector='paraphraser')))
ft_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='paraphraser', epochs=30, losses=dict(loss_rec=1.0), student_loss=False,
             trainable=['distiller.connectors.paraphraser']),
        dict(name='main', losses=dict(loss_ft=1.0),
             frozen=['distiller.connectors.paraphraser'])])
]
# the whole distiller on the last stage of networks of 3 stages and of 4, the connectors sized
# by the pair ('auto')
ft_distiller3, ft_distiller4 = [
    dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=dict(feat=tap),
         teacher_recorders=dict(feat=tap),
         connectors=dict(paraphraser=dict(type='Paraphraser', in_channels='auto', rate=0.5),
                         translator=dict(type='Translator', in_channels='auto',
                                         teacher_channels='auto', rate=0.5)),
         distill_losses=ft_losses, loss_forward_mappings=ft_mappings)
    for tap in ({{_base_.taps3.stage3}}, {{_base_.taps4.stage4}})]
custom_hooks = ft_hooks
# for students trained at lr 0.05: the paraphraser's 30 epochs at lr 0.01 (0.2 x 0.05), the
# reference code's rate for ResNet/WRN students (lighter students train at 0.01 throughout)
ft_scheduler_lr005 = [
    dict(type='ConstantLR', factor=0.2, begin=0, end=30, by_epoch=True),
    {{_base_.main_stage_scheduler}}
]
