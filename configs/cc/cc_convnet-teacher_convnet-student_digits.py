# Correlation congruence (Peng et al. 2019) on the digits pair's pooled features, as
# RepDistiller on CIFAR: 128-d linear embeddings of both sides (trained with the student),
# its form of the loss (mode='repdistiller'), weight 0.02, next to the student's CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.pooled}},
        teacher_recorders={{_base_.pooled}},
        connectors=dict(
            embed_s=dict(type='LinearConnector', in_channels=16, out_channels=128),
            embed_t=dict(type='LinearConnector', in_channels=128, out_channels=128)),
        distill_losses=dict(loss_cc=dict(type='CCLoss', mode='repdistiller', loss_weight=0.02)),
        loss_forward_mappings=dict(
            loss_cc=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='embed_s'),
                preds_T=dict(recorder='feat', from_student=False, connector='embed_t')))))
