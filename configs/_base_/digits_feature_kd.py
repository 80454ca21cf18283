# What every feature-distillation config on the shipped digits shares: the digits teacher ->
# student pair, data, 40-epoch schedule, runtime, and a distiller recording both models' last
# stage (configs/_base_/distillers/digits_stage2_features.py). Method configs add the loss, its
# mapping and connectors, and switch to the pre-ReLU records where the method needs them.
_base_ = [
    './models/digits/kd_convnets.py', './datasets/digits.py', './schedules/digits_40e.py',
    './default_runtime.py', './distillers/digits_stage2_features.py'
]
model = dict(distiller={{_base_.distiller}})
