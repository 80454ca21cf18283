# FSP (Yim et al. 2017) on the digits pair in one run of two stages, as RepDistiller runs it:
# 5 epochs in which the student's backbone learns the teacher's FSP matrix between the ends
# of its two stages (the loss alone), then 40 epochs of the student's CE. FSP compares the
# matrices entry by entry, so the student's 8 and 16 channels are mapped to the teacher's 64
# and 128 by 1x1 conv-BN connectors, one per record.
_base_ = ['../_base_/digits_feature_kd.py']
stages = dict(
    stage1=dict(type='ModuleOutputs', source='backbone.stages.0'),
    stage2=dict(type='ModuleOutputs', source='backbone.stages.1'))
model = dict(
    distiller=dict(
        student_recorders=dict(_delete_=True, **stages),
        teacher_recorders=dict(_delete_=True, **stages),
        connectors=dict(
            to64=dict(type='ConvModuleConnector', in_channel=8, out_channel=64, kernel_size=1,
                      norm_cfg=dict(type='BN'), act_cfg=None),
            to128=dict(type='ConvModuleConnector', in_channel=16, out_channel=128,
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses=dict(loss_fsp=dict(type='FSPLoss')),
        loss_forward_mappings=dict(
            loss_fsp=dict(
                preds_S=dict(recorder=['stage1', 'stage2'], from_student=True,
                             connector=['to64', 'to128']),
                preds_T=dict(recorder=['stage1', 'stage2'], from_student=False)))))
# 45 epochs: the 5 of the first stage at the constant lr 0.05, then the 40-epoch cosine.
param_scheduler = dict(type='CosineAnnealingLR', T_max=40, begin=5, end=45, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(max_epochs=45)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='DistillStagesHook', stages=[
        dict(name='init', epochs=5, losses=dict(loss_fsp=1.0), student_loss=False,
             trainable=['architecture.backbone', 'distiller.connectors']),
        dict(name='main', losses=dict(), frozen=['distiller.connectors'])])
]
