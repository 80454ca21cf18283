# Channel-wise distillation (Shu et al. 2021) of the pre-ReLU last-stage maps through a conv-BN
# connector; tau 1 and weight 3 (MMRazor's segmentation setting), next to the student's own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.student_stage2_pre}},
        teacher_recorders={{_base_.teacher_stage2_pre}},
        connectors=dict(proj={{_base_.to_teacher}}),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)),
        loss_forward_mappings=dict(loss_cwd={{_base_.connected_mapping}})))
