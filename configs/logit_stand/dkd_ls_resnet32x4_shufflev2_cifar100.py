# DKD with logit standardisation on resnet32x4 -> shufflev2: the distiller is in
# configs/_base_/distillers/dkd_ls.py, at the reference's base temperature 2 and KD weight 9
# for this pair (the name of its log; its config's beta 8): alpha 9, beta 72.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/dkd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as the reference
# DKD's warm-up min(epoch / 20, 1), as the reference.
custom_hooks = {{_base_.dkd_warmup_hooks}}
