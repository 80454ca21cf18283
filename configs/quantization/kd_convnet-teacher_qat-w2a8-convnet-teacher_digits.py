# The digits teacher, quantized to 2-bit (ternary) weights and 8-bit activations, fine-tuned
# from its float weights under KD from itself in float.
_base_ = ['./kd_convnet-teacher_qat-w4a8-convnet-teacher_digits.py']
model = dict(architecture=dict(quantizer=dict(weight_bits=2)))
