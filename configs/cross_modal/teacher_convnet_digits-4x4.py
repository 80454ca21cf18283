# The digits teacher CNN trained on the 4x4 digits, tested on 4x4: a teacher that reads the
# student's own view (kd_convnet-teacher-4x4_convnet-student_digits-4x4.py distils it).
_base_ = [
    '../_base_/models/digits/convnets.py', '../_base_/datasets/digits_4x4.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = {{_base_.teacher_model}}
