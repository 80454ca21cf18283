# KD with logit standardisation on the digits CNNs: vanilla KD's digits config with both sides'
# logits z-scored at base temperature 2 and KD weight 1 (CE 0.1). The CIFAR-100 weight 9
# (configs/_base_/distillers/kd_ls.py) collapses this 1.4k-parameter student to chance (README).
_base_ = ['../kd/kd_convnet-teacher_convnet-student_digits.py']
model = dict(distiller=dict(distill_losses=dict(
    loss_kd=dict(tau=2.0, loss_weight=1.0, logit_stand=True))))
