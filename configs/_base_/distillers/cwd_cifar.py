# Channel-wise distillation (Shu et al. 2021) on CIFAR-100: the pre-ReLU last-stage maps, the
# student's through conv1x1-BN to the teacher's channels, tau 1, weight 3 (MMRazor's setting,
# made for dense prediction: no CIFAR-100 setting has been published by the references read),
# next to the student's CE.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
cwd_losses = dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0))
cwd_mappings = dict(loss_cwd=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False)))
# the whole distiller on the last stage of networks of 3 stages and of 4
cwd_distiller3, cwd_distiller4 = [
    dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=dict(feat=tap),
         teacher_recorders=dict(feat=tap), connectors=dict(proj={{_base_.proj_to_teacher}}),
         distill_losses=cwd_losses, loss_forward_mappings=cwd_mappings)
    for tap in ({{_base_.pre_taps3.stage3}}, {{_base_.pre_taps4.stage4}})]
