# Similarity-preserving KD (Tung & Mori 2019) as RepDistiller runs it on CIFAR-100: the last
# stage's output, weight 3000, next to the student's CE (weight 1). Pair configs name the tap.
_base_ = ['./cifar_stage_taps.py']
sp_losses = dict(loss_sp=dict(type='SPLoss', loss_weight=3000.0))
