# MLKD with logit standardisation on vgg13 -> mobilenetv2: the distiller is in
# configs/_base_/distillers/mlkd_ls.py, at the reference's base temperature 2 and KD weight 6
# for this pair (the name of its log).
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/mlkd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller_weight6}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as the reference
