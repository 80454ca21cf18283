# DKD with logit standardisation (Sun et al., CVPR 2024), the reference's CIFAR-100 setting:
# DKD's alpha 1 and beta 8 times the KD weight 9 (alpha 9, beta 72), temperature 2, CE weight 1,
# and DKD's warm-up min(epoch/20, 1) (`dkd_warmup_hooks` of dkd.py).
_base_ = ['./dkd.py']
distiller = dict(
    distill_losses=dict(loss_dkd=dict(tau=2.0, alpha=9.0, beta=72.0, logit_stand=True)))


def _dkd_ls(tau, weight, beta):
    # the reference's train.py: alpha and beta (its config's, 1 and `beta`) times the KD weight
    return dict(type='ConfigurableDistiller', student_recorders={{_base_.logits_recorders}},
                teacher_recorders={{_base_.logits_recorders}},
                distill_losses=dict(loss_dkd=dict(type='DKDLoss', tau=tau, alpha=weight,
                                                  beta=beta * weight, logit_stand=True)),
                loss_forward_mappings=dict(loss_dkd={{_base_.logits_mapping}}))


# the pairs whose log in the reference's README is named with another (base temperature, KD
# weight, beta): logs/DKD/dkd,<teacher>,<student>,<tau>,<weight>[,<beta>].txt
distiller_tau3_weight18_beta2 = _dkd_ls(3.0, 18.0, 2.0)
distiller_weight15_beta2 = _dkd_ls(2.0, 15.0, 2.0)
distiller_weight12_beta2 = _dkd_ls(2.0, 12.0, 2.0)
distiller_tau3_beta2 = _dkd_ls(3.0, 9.0, 2.0)
