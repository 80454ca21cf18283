# Activation boundaries (Heo et al. 2019) in one run of two stages, as RepDistiller runs it on
# CIFAR: first the student's backbone and the conv-BN connector learn the teacher's activation
# boundaries on the pre-ReLU last-stage maps with the AB loss alone (margin 1, RepDistiller's
# factor 3/1000 as loss_weight) for 5 epochs; then the student trains on its own CE (the AB
# loss off, as the reference's second stage).
_base_ = ['../_base_/digits_feature_kd_pre_relu.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_ab=dict(type='ABLoss', margin=1.0, loss_weight=0.003)),
        loss_forward_mappings=dict(loss_ab={{_base_.connected_mapping}})))
# 45 epochs: the 5 of the first stage at the constant lr 0.05 (as the reference code's
# initialisation epochs), then the usual 40-epoch cosine schedule.
param_scheduler = dict(type='CosineAnnealingLR', T_max=40, begin=5, end=45, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(max_epochs=45)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='init', epochs=5, losses=dict(loss_ab=1.0), student_loss=False,
             trainable=['architecture.backbone', 'distiller.connectors.proj']),
        dict(name='main', losses=dict(), frozen=['distiller.connectors.proj'])])
]
