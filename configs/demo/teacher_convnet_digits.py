_base_ = [
    '../_base_/models/digits/convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = {{_base_.teacher_model}}
