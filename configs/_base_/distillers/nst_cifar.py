# Neuron selectivity transfer (Huang & Wang 2017) as RepDistiller and mdistiller run it on
# CIFAR-100: every stage's output, polynomial-kernel MMD, weight 50 on the per-stage losses
# summed, next to the student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py']
nst_losses = dict(loss_nst=dict(type='NSTLoss', loss_weight=50.0))
