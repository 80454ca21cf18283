# PKD (Cao et al. 2022): channel-standardised features through a conv-BN connector to the
# teacher's 128 channels; weight 6 (MMRazor's detection configs), next to the student's own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        connectors=dict(proj={{_base_.to_teacher}}),
        distill_losses=dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0)),
        loss_forward_mappings=dict(loss_pkd={{_base_.connected_mapping}})))
