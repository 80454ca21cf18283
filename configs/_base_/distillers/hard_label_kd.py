# Hard-label distillation (DeiT): CE against the teacher's argmax and the labels, 0.5 each.
_base_ = ['./logits.py']
student_loss_weight = 0.5
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_hard_label_kd=dict(type='HardLabelKD', loss_weight=0.5)),
    loss_forward_mappings=dict(loss_hard_label_kd={{_base_.logits_mapping}}))
