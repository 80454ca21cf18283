# Relational KD (Park et al. 2019) as RepDistiller and mdistiller run it on CIFAR-100: the
# pooled features (the classifier's input), distance-wise weight 25 and angle-wise 50, the
# embeddings not normalised, next to the student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py']
rkd_distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat={{_base_.pooled}}),
    teacher_recorders=dict(feat={{_base_.pooled}}),
    distill_losses=dict(
        loss_rkd_distance=dict(type='DistanceWiseRKD', loss_weight=25.0),
        loss_rkd_angle=dict(type='AngleWiseRKD', loss_weight=50.0)),
    loss_forward_mappings=dict(
        loss_rkd_distance={{_base_.feat_mapping}},
        loss_rkd_angle={{_base_.feat_mapping}}))
