# In-batch contrastive KD with feature-space embedding (Ye, Chen & Lai 2023) on the digits
# pair's pooled features: the student's 16-d feature embedded into the teacher's 128-d
# space by a linear projector, InfoNCE over the batch's teacher features, tau 0.1, weight 1,
# next to the student's CE (choices in configs/fsecd/README.md).
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.pooled}},
        teacher_recorders={{_base_.pooled}},
        connectors=dict(proj=dict(type='LinearConnector', in_channels=16, out_channels=128)),
        distill_losses=dict(loss_fsecd=dict(type='InBatchContrastiveLoss', tau=0.1,
                                            loss_weight=1.0)),
        loss_forward_mappings=dict(loss_fsecd={{_base_.connected_mapping}})))
