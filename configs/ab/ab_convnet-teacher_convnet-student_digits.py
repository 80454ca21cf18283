# Activation boundaries (Heo et al. 2019), single stage: the pre-ReLU last-stage maps, the
# student's through a conv-BN connector; RepDistiller's per-layer factor 3/1000 as loss_weight,
# next to the student's own CE. The paper's initialisation stage (connector and student on the
# AB loss alone first) comes with multi-stage configs.
_base_ = ['../_base_/digits_feature_kd_pre_relu.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_ab=dict(type='ABLoss', margin=1.0, loss_weight=0.003)),
        loss_forward_mappings=dict(loss_ab={{_base_.connected_mapping}})))
