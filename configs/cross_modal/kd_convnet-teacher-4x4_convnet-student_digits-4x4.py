# Vanilla KD (as configs/kd/kd_convnet-teacher_convnet-student_digits.py) with both models on
# the 4x4 digits: the teacher trained on 4x4 (teacher_convnet_digits-4x4.py) teaches the 4x4
# student. The baseline for cross-modal KD, whose teacher reads the clean 8x8 image instead.
_base_ = [
    '../_base_/models/digits/kd_convnets.py', '../_base_/datasets/digits_4x4.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/kd.py'
]
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight={{_base_.student_loss_weight}}))),
    distiller={{_base_.distiller}},
    teacher_ckpt='work_dirs/teacher_convnet_digits-4x4/epoch_40.pth')
