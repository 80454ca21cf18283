# DIST (Huang et al. 2022), the CIFAR-100 setting of the paper: beta = gamma = 2, tau 4, CE weight 1.
_base_ = ['./logits.py']
student_loss_weight = 1.0
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_dist=dict(type='DISTLoss', inter_loss_weight=2.0, intra_loss_weight=2.0, tau=4.0)),
    loss_forward_mappings=dict(loss_dist={{_base_.logits_mapping}}))
