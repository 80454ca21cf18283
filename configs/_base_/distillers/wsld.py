# Weighted soft labels (Zhou et al. 2021): tau 2, weight 2.5 as in the paper, CE weight 1.
_base_ = ['./logits.py']
student_loss_weight = 1.0
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_wsld=dict(type='WSLDLoss', tau=2.0, loss_weight=2.5)),
    loss_forward_mappings=dict(loss_wsld={{_base_.logits_mapping}}))
