# Similarity-preserving KD (Tung & Mori 2019) on the digits pair's last stage (16 and 128
# channels, 4x4), RepDistiller's CIFAR weight 3000, next to the student's CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_sp=dict(type='SPLoss', loss_weight=3000.0)),
        loss_forward_mappings=dict(loss_sp={{_base_.feat_mapping}})))
