# Vanilla KD (Hinton et al. 2015): tau 4, KD weight 0.9, CE weight 0.1.
_base_ = ['./logits.py']
student_loss_weight = 0.1
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}}))
