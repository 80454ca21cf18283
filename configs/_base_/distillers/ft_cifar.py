# Factor transfer (Kim et al. 2018) as RepDistiller runs it on CIFAR-100: the last stage's
# output; a paraphraser (rate 0.5, no BN) on the teacher's map is trained alone on MSE
# reconstruction for 30 epochs, then frozen while the student learns through its translator
# with the FT loss (beta 200) next to its CE (weight 1). Pair configs size the connectors.
_base_ = ['./cifar_stage_taps.py']
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
