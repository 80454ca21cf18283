# Similarity-preserving KD (Tung & Mori 2019) as RepDistiller runs it on CIFAR-100: the last
# stage's output, weight 3000, next to the student's CE (weight 1). Pair configs name the distiller of their networks.
_base_ = ['./cifar_stage_taps.py', '../datasets/cifar100.py', '../schedules/cifar100_240e.py', '../default_runtime.py']
sp_losses = dict(loss_sp=dict(type='SPLoss', loss_weight=3000.0))
# the whole distiller for networks of 3 stages and of 4 (see at_cifar.py): the last stage
sp_distiller3, sp_distiller4 = [
    dict(type='ConfigurableDistiller', student_recorders=dict(feat=last),
         teacher_recorders=dict(feat=last), distill_losses=sp_losses,
         loss_forward_mappings=dict(loss_sp={{_base_.feat_mapping}}))
    for last in ({{_base_.taps3.stage3}}, {{_base_.taps4.stage4}})]
