# Variational information distillation (Ahn et al. 2019) on the digits pair's last stage:
# regressor 16 -> 128 -> 128 -> 128 channels and per-channel variance (initial 5) inside the loss,
# weight 1 next to the student's own CE, as RepDistiller on CIFAR.
_base_ = ['../_base_/digits_feature_kd.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_vid=dict(type='VIDLoss', in_channels=16, mid_channels=128,
                                          out_channels=128, init_pred_var=5.0, loss_weight=1.0)),
        loss_forward_mappings=dict(loss_vid={{_base_.feat_mapping}})))
