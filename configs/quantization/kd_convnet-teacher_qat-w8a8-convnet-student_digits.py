# Quantization-aware distillation on the digits: the student CNN 8-16 with 8-bit weights (per
# output channel) and 8-bit activations (BrevitasQuantizer) learns from the float teacher by
# vanilla KD (Hinton et al.; as in Apprentice, Mishra & Marr 2018). The w4/w2 configs change
# weight_bits only. See README.md in this folder.
_base_ = ['../kd/kd_convnet-teacher_convnet-student_digits.py']
model = dict(architecture=dict(
    _delete_=True, type='mmkd.QuantizedModel', model={{_base_.model.architecture}},
    quantizer=dict(type='BrevitasQuantizer', weight_bits=8, act_bits=8)))
# The learned activation scales are not weights: no weight decay pulls them towards 0.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'scaling_impl.value': dict(decay_mult=0.)}))
