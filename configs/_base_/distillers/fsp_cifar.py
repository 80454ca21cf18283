# FSP (Yim et al. 2017) as RepDistiller runs it on CIFAR-100: FSP matrices between
# consecutive maps of the stem and every stage; 30 epochs in which the student's backbone
# learns them alone (weight 1), then 240 epochs of the student's CE. The student's and the
# teacher's widths must be equal at every tap, so only pairs of one family are configured
# (RepDistiller reports FSP for those too).
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_init30_240e.py']
fsp_losses = dict(loss_fsp=dict(type='FSPLoss'))
fsp_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='init', epochs=30, losses=dict(loss_fsp=1.0), student_loss=False,
             trainable=['architecture.backbone']),
        dict(name='main', losses=dict())])
]
# the whole distiller for networks of 3 stages and of 4
fsp_distiller3, fsp_distiller4 = [
    dict(type='ConfigurableDistiller', student_recorders=taps, teacher_recorders=taps,
         distill_losses=fsp_losses, loss_forward_mappings=mapping)
    for taps, mapping in (({{_base_.fsp_taps3}}, {{_base_.fsp_mapping3}}),
                          ({{_base_.fsp_taps4}}, {{_base_.fsp_mapping4}}))]
custom_hooks = fsp_hooks
