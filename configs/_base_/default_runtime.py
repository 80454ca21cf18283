default_scope = 'mmkd'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_level = 'INFO'
log_processor = dict(by_epoch=True)
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)

# Multi-process training: average BatchNorm statistics over the ranks after every epoch, so
# every rank validates, and rank 0 saves, the same model (MMEngine's DDP wrapper does not
# broadcast buffers). Does nothing in a single process.
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='RandomStateHook')]
# RandomStateHook: every rank's random states go into checkpoints and come back on resume, so a
# killed and resumed run ends with the weights of an uninterrupted one. mmkd's commands add it to
# configs whose custom_hooks lack it. CheckpointHook above is mmkd's (this file's scope is mmkd):
# atomic writes, old checkpoints deleted only after the new one is complete.
