# SKD (Jeong, Lee & Choi, CVPR 2026), the authors' CIFAR-100 setting (HyunJunSik/StreamLined,
# Distiller/SKD.py): CE weight 0.1; the instance term (KL at tau 4, x tau^2) and the direction
# term (Gram matrices divided by the classes, lambda 0.1), each x 0.9 and scaled by the teacher
# confidence masks' kept fraction, as the code computes them.
_base_ = ['./logits.py']
student_loss_weight = 0.1
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(
        loss_instance=dict(type='SKDInstanceLoss', tau=4.0, tau_squared=True,
                           confidence_mask=True, loss_weight=0.9),
        loss_direction=dict(type='SKDDirectionLoss', tikhonov=0.1, gram_scale='classes',
                            confidence_mask=True, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_instance={{_base_.logits_mapping}},
                               loss_direction={{_base_.logits_mapping}}))
