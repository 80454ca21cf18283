# MLKD with logit standardisation on resnet110 -> resnet32: the distiller is in
# configs/_base_/distillers/mlkd_ls.py, at the reference's base temperature 2 and KD weight 9
# for this pair (the name of its log).
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/mlkd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
