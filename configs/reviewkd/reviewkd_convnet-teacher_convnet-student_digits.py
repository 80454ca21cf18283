# ReviewKD (Chen et al. 2021) on the digits pair, mdistiller's CIFAR setting scaled to the two
# stages: the student's stage outputs (after the ReLU) and its pooled feature, fused deepest
# first by ReviewKDFusion, against the teacher's pre-ReLU stage outputs and pooled feature
# with the hierarchical context loss (weight 1), warmed up linearly over the first 3 of 40
# epochs (mdistiller: 20 of 240), next to the student's own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders=dict(
            stage1=dict(type='ModuleOutputs', source='backbone.stages.0'),
            stage2=dict(type='ModuleOutputs', source='backbone.stages.1'),
            pooled=dict(type='ModuleInputs', source='head.fc')),
        teacher_recorders=dict(
            stage1=dict(type='ModuleOutputs', source='backbone.stages.0.1.bn'),
            stage2=dict(type='ModuleOutputs', source='backbone.stages.1.1.bn'),
            pooled=dict(type='ModuleInputs', source='head.fc')),
        connectors=dict(
            review=dict(type='ReviewKDFusion', in_channels=[8, 16, 16],
                        out_channels=[64, 128, 128], out_sizes=[8, 4, 1])),
        distill_losses=dict(loss_review=dict(type='HCLLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_review=dict(
                preds_S=dict(recorder=['stage1', 'stage2', 'pooled'], from_student=True,
                             connector='review'),
                preds_T=dict(recorder=['stage1', 'stage2', 'pooled'], from_student=False)))))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='LossWeightScheduleHook',
         schedules=dict(loss_review=dict(type='LinearWarmupWeight', warmup=3)))
]
