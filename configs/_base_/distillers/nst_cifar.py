# Neuron selectivity transfer (Huang & Wang 2017) as RepDistiller and mdistiller run it on
# CIFAR-100: every stage's output, polynomial-kernel MMD, weight 50 on the per-stage losses
# summed, next to the student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py', '../datasets/cifar100.py', '../schedules/cifar100_240e.py', '../default_runtime.py']
nst_losses = dict(loss_nst=dict(type='NSTLoss', loss_weight=50.0))
# the whole distiller for networks of 3 stages and of 4 (see at_cifar.py)
nst_distiller3, nst_distiller4 = [
    dict(type='ConfigurableDistiller', student_recorders=taps, teacher_recorders=taps,
         distill_losses=nst_losses, loss_forward_mappings=dict(loss_nst=mapping))
    for taps, mapping in (({{_base_.taps3}}, {{_base_.stages_mapping3}}),
                          ({{_base_.taps4}}, {{_base_.stages_mapping4}}))]
