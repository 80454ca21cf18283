# PKD (Cao et al. 2022) on CIFAR-100: the last stage's output, the student's through conv1x1-BN
# to the teacher's channels, weight 6 (MMRazor's setting, made for detection: no CIFAR-100
# setting has been published by the references read), next to the student's CE.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
pkd_losses = dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0))
pkd_mappings = dict(loss_pkd=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False)))
# the whole distiller on the last stage of networks of 3 stages and of 4
pkd_distiller3, pkd_distiller4 = [
    dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=dict(feat=tap),
         teacher_recorders=dict(feat=tap), connectors=dict(proj={{_base_.proj_to_teacher}}),
         distill_losses=pkd_losses, loss_forward_mappings=pkd_mappings)
    for tap in ({{_base_.taps3.stage3}}, {{_base_.taps4.stage4}})]
