# Channel-wise distillation (Shu et al. 2021) of the pre-ReLU last-stage maps through a conv-BN
# connector; tau 1 and weight 3 (MMRazor's segmentation setting), next to the student's own CE.
_base_ = ['../_base_/digits_feature_kd_pre_relu.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)),
        loss_forward_mappings=dict(loss_cwd={{_base_.connected_mapping}})))
