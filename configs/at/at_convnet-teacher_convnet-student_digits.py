# Attention transfer (Zagoruyko & Komodakis 2017) on the digits pair's last stage, with the CIFAR
# benchmark setting of RepDistiller / mdistiller: beta 1000 on the code-form AT loss, next to the
# student's own CE.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_at=dict(type='ATLoss', p=2, loss_weight=1000.0)),
        loss_forward_mappings=dict(loss_at={{_base_.feat_mapping}})))
