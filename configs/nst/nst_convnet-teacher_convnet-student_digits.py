# Neuron selectivity transfer (Huang & Wang 2017) on the digits pair's last stage, RepDistiller's
# CIFAR weight 50, next to the student's own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_nst=dict(type='NSTLoss', loss_weight=50.0)),
        loss_forward_mappings=dict(loss_nst={{_base_.feat_mapping}})))
