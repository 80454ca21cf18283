# DKD with logit standardisation (Sun et al., CVPR 2024), the reference's CIFAR-100 setting:
# DKD's alpha 1 and beta 8 times the KD weight 9 (alpha 9, beta 72), temperature 2, CE weight 1,
# and DKD's warm-up min(epoch/20, 1) (`dkd_warmup_hooks` of dkd.py).
_base_ = ['./dkd.py']
distiller = dict(
    distill_losses=dict(loss_dkd=dict(tau=2.0, alpha=9.0, beta=72.0, logit_stand=True)))
