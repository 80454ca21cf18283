# Probabilistic knowledge transfer (Passalis & Tefas 2018) on the digits pair's pooled
# features, RepDistiller's CIFAR weight 30000, next to the student's CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.pooled}},
        teacher_recorders={{_base_.pooled}},
        distill_losses=dict(loss_pkt=dict(type='PKTLoss', loss_weight=30000.0)),
        loss_forward_mappings=dict(loss_pkt={{_base_.feat_mapping}})))
