# MLKD with logit standardisation (Sun et al., CVPR 2024): the instance terms on z-scored logits,
# base temperature 2 (the list 2, 3, 5, 2, 6), every level weighted 9, CE weight 0.1.
_base_ = ['./mlkd.py']
distiller = dict(
    distill_losses=dict(loss_mlkd=dict(temperatures=[2.0, 3.0, 5.0, 2.0, 6.0], loss_weight=9.0,
                                       logit_stand=True)))


# the pairs whose log in the reference's README is named with KD weight 6 (base temperature 2):
# logs/MLKD/mlkd,<teacher>,<student>,2,6.txt
distiller_weight6 = dict(
    type='ConfigurableDistiller', student_recorders={{_base_.logits_recorders}},
    teacher_recorders={{_base_.logits_recorders}},
    distill_losses=dict(loss_mlkd=dict(type='MLKDLoss', temperatures=[2.0, 3.0, 5.0, 2.0, 6.0],
                                       loss_weight=6.0, logit_stand=True)),
    loss_forward_mappings=dict(loss_mlkd={{_base_.logits_mapping}}))
