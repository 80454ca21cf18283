# KD with logit standardisation on the digits CNNs: the distiller is in configs/_base_/distillers/kd_ls.py.
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/kd_ls.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
