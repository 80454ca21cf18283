# ReviewKD (Chen et al. 2021) as mdistiller runs it on CIFAR-100: the student's stage outputs
# (after the ReLU) and pooled feature, fused deepest first by ReviewKDFusion, against the
# teacher's pre-ReLU stage outputs and pooled feature with the hierarchical context loss
# (weight 1; mdistiller's config for resnet32x4 -> resnet8x4 uses 5), warmed up linearly over
# the first 20 epochs, next to the student's CE (weight 1). Pair configs size the fusion.
_base_ = ['./cifar_stage_taps.py']
reviewkd_losses = dict(loss_review=dict(type='HCLLoss', loss_weight=1.0))
reviewkd_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='LossWeightScheduleHook',
         schedules=dict(loss_review=dict(type='LinearWarmupWeight', warmup=20)))
]
