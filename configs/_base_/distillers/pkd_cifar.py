# PKD (Cao et al. 2022) on CIFAR-100: the last stage's output, the student's through conv1x1-BN
# to the teacher's channels, weight 6 (MMRazor's setting, made for detection: no CIFAR-100
# setting has been published by the references read), next to the student's CE.
_base_ = ['./cifar_stage_taps.py']
pkd_losses = dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0))
pkd_mappings = dict(loss_pkd=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False)))
