# Relational KD (Park et al. 2019) on the digits pair's pooled features (the classifier's
# input), as RepDistiller and mdistiller on CIFAR: distance-wise (weight 25) and angle-wise
# (weight 50) potentials, embeddings not normalised, next to the student's CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.pooled}},
        teacher_recorders={{_base_.pooled}},
        distill_losses=dict(
            loss_rkd_distance=dict(type='DistanceWiseRKD', loss_weight=25.0),
            loss_rkd_angle=dict(type='AngleWiseRKD', loss_weight=50.0)),
        loss_forward_mappings=dict(
            loss_rkd_distance={{_base_.feat_mapping}},
            loss_rkd_angle={{_base_.feat_mapping}})))
