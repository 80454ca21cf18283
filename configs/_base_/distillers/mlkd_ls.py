# MLKD with logit standardisation (Sun et al., CVPR 2024): the instance terms on z-scored logits,
# base temperature 2 (the list 2, 3, 5, 2, 6), every level weighted 9, CE weight 0.1.
_base_ = ['./mlkd.py']
distiller = dict(
    distill_losses=dict(loss_mlkd=dict(temperatures=[2.0, 3.0, 5.0, 2.0, 6.0], loss_weight=9.0,
                                       logit_stand=True)))
