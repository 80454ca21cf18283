# NKD (Yang et al., ICCV 2023), the reference's CIFAR-100 setting (cls_KD, ResNet-34 ->
# ResNet-18): non-target temperature 3, gamma 3.5, next to the student's CE (weight 1).
_base_ = ['./logits.py']
student_loss_weight = 1.0
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_nkd=dict(type='NKDLoss', tau=3.0, gamma=3.5)),
    loss_forward_mappings=dict(loss_nkd={{_base_.logits_mapping}}))
