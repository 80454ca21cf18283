# The digits student CNN 8-16 trained alone, quantization-aware: 8-bit weights (per output
# channel) and 8-bit activations through BrevitasQuantizer. The w4/w2 configs change
# weight_bits only. See README.md in this folder.
_base_ = ['../demo/student_convnet_digits.py']
model = dict(_delete_=True, type='mmkd.QuantizedModel', model={{_base_.student_model}},
             quantizer=dict(type='BrevitasQuantizer', weight_bits=8, act_bits=8))
# The learned activation scales are not weights: no weight decay pulls them towards 0.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'scaling_impl.value': dict(decay_mult=0.)}))
