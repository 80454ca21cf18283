# The digits teacher -> student pair with the digits data, the 40-epoch schedule and the default
# runtime: what a logit-distillation config on the shipped digits adds its distiller to.
_base_ = [
    './models/digits/kd_convnets.py', './datasets/digits.py', './schedules/digits_40e.py',
    './default_runtime.py'
]
