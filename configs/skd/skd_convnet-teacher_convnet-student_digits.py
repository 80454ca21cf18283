# SKD on the digits CNNs: the distiller is in configs/_base_/distillers/skd.py.
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/skd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
