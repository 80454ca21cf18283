# FSP (Yim et al. 2017) as RepDistiller runs it on CIFAR-100: FSP matrices between
# consecutive maps of the stem and every stage; 30 epochs in which the student's backbone
# learns them alone (weight 1), then 240 epochs of the student's CE. The student's and the
# teacher's widths must be equal at every tap, so only pairs of one family are configured
# (RepDistiller reports FSP for those too).
_base_ = ['./cifar_stage_taps.py']
fsp_losses = dict(loss_fsp=dict(type='FSPLoss'))
fsp_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='init', epochs=30, losses=dict(loss_fsp=1.0), student_loss=False,
             trainable=['architecture.backbone']),
        dict(name='main', losses=dict())])
]
