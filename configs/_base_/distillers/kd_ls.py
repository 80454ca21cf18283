# KD with logit standardisation (Sun et al., CVPR 2024), the reference's CIFAR-100 setting
# (its train.py with --logit-stand --base-temp 2 --kd-weight 9): both sides' logits z-scored,
# temperature 2, KD weight 9, CE weight 0.1. (Earlier versions of the reference defaulted to
# temperature 4 and CE weight 1; its logs do not say which one its table used.)
_base_ = ['./logits.py']
student_loss_weight = 0.1
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=2.0, loss_weight=9.0,
                                     logit_stand=True)),
    loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}}))


def _kd_ls(tau, weight):
    return dict(type='ConfigurableDistiller', student_recorders={{_base_.logits_recorders}},
                teacher_recorders={{_base_.logits_recorders}},
                distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=tau,
                                                 loss_weight=weight, logit_stand=True)),
                loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}}))


# the pairs whose log in the reference's README names another (base temperature, KD weight)
distiller_tau3, distiller_tau3_weight1 = _kd_ls(3.0, 9.0), _kd_ls(3.0, 1.0)
