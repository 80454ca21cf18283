# DKD with logit standardisation on resnet56 -> resnet20: the distiller is in
# configs/_base_/distillers/dkd_ls.py, at the reference's base temperature 3, KD weight 18
# and beta 2 for this pair (the name of its log): alpha 18, beta 36.
_base_ = ['../_base_/models/cifar_kd/resnet56_resnet20.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}},
             distiller={{_base_.distiller_tau3_weight18_beta2}})
# DKD's warm-up min(epoch / 20, 1), as the reference.
custom_hooks = {{_base_.dkd_warmup_hooks}}
