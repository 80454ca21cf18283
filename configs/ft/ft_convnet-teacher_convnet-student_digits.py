# Factor transfer (Kim et al. 2018) on the digits pair's last stage, in one run of two stages
# as RepDistiller runs it on CIFAR: first the paraphraser (on the teacher's 128 channels, rate
# 0.5) learns to reconstruct the teacher's map (MSE), alone, for 5 epochs; then it is frozen
# and the student learns through its translator with the FT loss (beta 200) next to its own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        connectors=dict(
            paraphraser=dict(type='Paraphraser', in_channels=128, rate=0.5),
            translator=dict(type='Translator', in_channels=16, teacher_channels=128, rate=0.5)),
        distill_losses=dict(
            loss_rec=dict(type='L2Loss'),
            loss_ft=dict(type='FTLoss', mode='repdistiller', loss_weight=200.0)),
        loss_forward_mappings=dict(
            loss_rec=dict(
                preds_S=dict(recorder='feat', from_student=False,
                             connector='paraphraser.reconstruct'),
                preds_T=dict(recorder='feat', from_student=False)),
            loss_ft=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='translator'),
                preds_T=dict(recorder='feat', from_student=False, connector='paraphraser')))))
# 45 epochs: the 5 of the first stage at the constant lr 0.05 (as the reference code's
# initialisation epochs), then the usual 40-epoch cosine schedule.
param_scheduler = dict(type='CosineAnnealingLR', T_max=40, begin=5, end=45, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(max_epochs=45)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='paraphraser', epochs=5, losses=dict(loss_rec=1.0), student_loss=False,
             trainable=['distiller.connectors.paraphraser']),
        dict(name='main', losses=dict(loss_ft=1.0),
             frozen=['distiller.connectors.paraphraser'])])
]
