# The small ViT of configs/_base_/models/digits/vit.py trained alone on the digits (AdamW): the
# teacher of convnet-student_vit-teacher_digits.py, or a student's control.
_base_ = [
    '../_base_/models/digits/vit.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = {{_base_.vit_model}}
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=3e-3, weight_decay=0.05))
