# CRD (Tian et al. 2020) on the digits pair's pooled features, RepDistiller's CIFAR setting
# (128-d embeddings, tau 0.07, momentum 0.5, weight 0.8, next to the student's CE) with the
# number of negatives scaled to the data: 400 of the 1,257 training images (RepDistiller:
# 16,384 of 50,000), drawn uniformly by the loss. Every digits sample carries its index.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.pooled}},
        teacher_recorders={{_base_.pooled}},
        distill_losses=dict(
            loss_crd=dict(type='CRDLoss', student_channels=16, teacher_channels=128,
                          num_samples=1257, feat_dim=128, num_negatives=400, tau=0.07,
                          momentum=0.5, loss_weight=0.8)),
        loss_forward_mappings=dict(loss_crd={{_base_.feat_mapping}})))
