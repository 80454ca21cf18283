# The digits student CNN trained alone (cross-entropy) on the 4x4 digits, tested on 4x4: the
# baseline of the low-resolution student.
_base_ = [
    '../_base_/models/digits/convnets.py', '../_base_/datasets/digits_4x4.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = {{_base_.student_model}}
