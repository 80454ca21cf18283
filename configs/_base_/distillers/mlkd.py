# Multi-level logit distillation (Jin et al., CVPR 2023), the reference's CIFAR-100 weights:
# instance, batch and class levels at temperatures 4, 3, 5, 2, 6, each weighted like KD (0.9),
# CE weight 0.1. The reference trains 480 epochs at lr 0.025 on two views (weak and RandAugment);
# these configs run it on the one view of the standard 240-epoch protocol (see README).
_base_ = ['./logits.py']
student_loss_weight = 0.1
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_mlkd=dict(type='MLKDLoss', temperatures=[4.0, 3.0, 5.0, 2.0, 6.0],
                                       loss_weight=0.9)),
    loss_forward_mappings=dict(loss_mlkd={{_base_.logits_mapping}}))
