# Attention transfer (Zagoruyko & Komodakis 2017) as RepDistiller and mdistiller run it on
# CIFAR-100: every stage's output, p = 2, beta 1000 on the per-stage losses summed, next to the
# student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py', '../datasets/cifar100.py', '../schedules/cifar100_240e.py', '../default_runtime.py']
at_losses = dict(loss_at=dict(type='ATLoss', p=2, loss_weight=1000.0))
# the whole distiller for networks of 3 stages (ResNets, WRNs, ShuffleNets) and of 4 (VGG,
# ResNet50, MobileNetV2): a pair config names the one for its networks
at_distiller3, at_distiller4 = [
    dict(type='ConfigurableDistiller', student_recorders=taps, teacher_recorders=taps,
         distill_losses=at_losses, loss_forward_mappings=dict(loss_at=mapping))
    for taps, mapping in (({{_base_.taps3}}, {{_base_.stages_mapping3}}),
                          ({{_base_.taps4}}, {{_base_.stages_mapping4}}))]
