# DKD with logit standardisation on wrn_40_2 -> wrn_40_1: the distiller is in
# configs/_base_/distillers/dkd_ls.py, at the reference's base temperature 2, KD weight 12
# and beta 2 for this pair (the name of its log): alpha 12, beta 24.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}},
             distiller={{_base_.distiller_weight12_beta2}})
# DKD's warm-up min(epoch / 20, 1), as the reference.
custom_hooks = {{_base_.dkd_warmup_hooks}}
