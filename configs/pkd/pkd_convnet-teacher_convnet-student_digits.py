# PKD (Cao et al. 2022): channel-standardised features through a conv-BN connector to the
# teacher's 128 channels; weight 6 (MMRazor's detection configs), next to the student's own CE.
_base_ = [
    '../_base_/models/digits/kd_convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/digits_stage2_features.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.stage2}},
        teacher_recorders={{_base_.stage2}},
        connectors=dict(proj={{_base_.to_teacher}}),
        distill_losses=dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0)),
        loss_forward_mappings=dict(loss_pkd={{_base_.connected_mapping}})))
