# FitNets in the paper's two-stage form (Romero et al. 2015), in one run: first the student's
# layers up to the guided layer (its whole backbone here: the hint is the last stage) and the
# regressor learn the teacher's hint (MSE) alone for 5 epochs; then the whole student trains
# with KD (tau 4, weight 0.9) next to its own CE, the hint off.
_base_ = ['./fitnets_convnet-teacher_convnet-student_digits.py']
logits = dict(type='ModuleOutputs', source='head.fc')
model = dict(
    distiller=dict(
        student_recorders=dict(logits=logits),
        teacher_recorders=dict(logits=logits),
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9)),
        loss_forward_mappings=dict(
            loss_kd=dict(preds_S=dict(recorder='logits', from_student=True),
                         preds_T=dict(recorder='logits', from_student=False)))))
# 45 epochs: the 5 of the first stage at the constant lr 0.05 (as the reference code's
# initialisation epochs), then the usual 40-epoch cosine schedule.
param_scheduler = dict(type='CosineAnnealingLR', T_max=40, begin=5, end=45, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(max_epochs=45)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='hint', epochs=5, losses=dict(loss_hint=1.0), student_loss=False,
             trainable=['architecture.backbone', 'distiller.connectors.hint']),
        dict(name='kd', losses=dict(loss_kd=1.0), frozen=['distiller.connectors.hint'])])
]
