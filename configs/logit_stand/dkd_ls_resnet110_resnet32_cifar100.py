# DKD with logit standardisation on resnet110 -> resnet32: the distiller is in
# configs/_base_/distillers/dkd_ls.py, at the reference's base temperature 2, KD weight 15
# and beta 2 for this pair (the name of its log): alpha 15, beta 30.
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}},
             distiller={{_base_.distiller_weight15_beta2}})
# DKD's warm-up min(epoch / 20, 1), as the reference.
custom_hooks = {{_base_.dkd_warmup_hooks}}
