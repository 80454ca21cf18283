# Quantization-aware KD on the digits with 4-bit student weights and 8-bit activations.
_base_ = ['./kd_convnet-teacher_qat-w8a8-convnet-student_digits.py']
model = dict(architecture=dict(quantizer=dict(weight_bits=4)))
