# DKD with logit standardisation on the digits CNNs: DKD's digits config (alpha 1, beta 8, CE 1,
# warm-up over 5 epochs) with both sides' logits z-scored at base temperature 2; alpha and beta
# not multiplied by 9 as on CIFAR-100 (see README.md in this folder).
_base_ = ['../dkd/dkd_convnet-teacher_convnet-student_digits.py']
model = dict(distiller=dict(distill_losses=dict(loss_dkd=dict(tau=2.0, logit_stand=True))))
