# DKD (Zhao et al. 2022), mdistiller's CIFAR-100 setting: alpha 1, beta 8, tau 4, CE weight 1; the
# warm-up min(epoch/20, 1) is a LossWeightScheduleHook in the method configs.
_base_ = ['./logits.py']
student_loss_weight = 1.0
distiller = dict(
    distill_losses=dict(loss_dkd=dict(type='DKDLoss', tau=4.0, alpha=1.0, beta=8.0)),
    loss_forward_mappings=dict(loss_dkd={{_base_.logits_mapping}}))
