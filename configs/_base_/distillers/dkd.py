# DKD (Zhao et al. 2022), mdistiller's CIFAR-100 setting: alpha 1, beta 8, tau 4, CE weight 1, and
# the warm-up min(epoch/20, 1) of the distillation loss (20 of 240 epochs), which method configs
# take as `custom_hooks = {{_base_.dkd_warmup_hooks}}`.
_base_ = ['./logits.py']
student_loss_weight = 1.0
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_dkd=dict(type='DKDLoss', tau=4.0, alpha=1.0, beta=8.0)),
    loss_forward_mappings=dict(loss_dkd={{_base_.logits_mapping}}))
dkd_warmup_hooks, dkd_warmup_hooks_digits = [[
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='LossWeightScheduleHook',
         schedules=dict(loss_dkd=dict(type='LinearWarmupWeight', warmup=epochs))),
] for epochs in (20, 5)]  # of 240 epochs on CIFAR-100, of 40 on the digits
