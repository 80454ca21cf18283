# CTKD on the digits CNNs: the distiller is in configs/_base_/distillers/ctkd.py; the curriculum
# ramps over 2 of the 40 epochs (the reference: 10 of 240).
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/ctkd.py']
model = dict(architecture={{_base_.student_head}}, distiller={{_base_.distiller}})
custom_hooks = [dict(type='CurriculumTemperatureHook', loops=2)]
