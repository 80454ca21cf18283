# KD-pt (Tang et al. 2020): instance knowledge only; weights as vanilla KD (0.9 / 0.1, tau 4).
_base_ = ['./logits.py']
student_loss_weight = 0.1
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_kd_pt=dict(type='KDPartialPT', tau=4.0, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_kd_pt={{_base_.logits_mapping}}))
