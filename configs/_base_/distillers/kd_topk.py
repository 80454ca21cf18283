# KD-topk (Tang et al. 2020): the teacher's top-5 probabilities kept; weights as vanilla KD.
_base_ = ['./logits.py']
student_loss_weight = 0.1
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_kd_topk=dict(type='KDPartialTopK', k=5, tau=4.0, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_kd_topk={{_base_.logits_mapping}}))
