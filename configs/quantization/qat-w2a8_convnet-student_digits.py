# The digits student CNN trained alone with 2-bit weights and 8-bit activations.
_base_ = ['./qat-w8a8_convnet-student_digits.py']
model = dict(quantizer=dict(weight_bits=2))
