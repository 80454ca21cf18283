# Attention transfer (Zagoruyko & Komodakis 2017) as RepDistiller and mdistiller run it on
# CIFAR-100: every stage's output, p = 2, beta 1000 on the per-stage losses summed, next to the
# student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py']
at_losses = dict(loss_at=dict(type='ATLoss', p=2, loss_weight=1000.0))
