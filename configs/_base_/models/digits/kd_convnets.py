# The digits teacher -> student pair inside SingleTeacherDistill; method configs add the
# distiller and the teacher checkpoint.
_base_ = ['./convnets.py']
model = dict(
    type='SingleTeacherDistill',
    architecture={{_base_.student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt='work_dirs/teacher_convnet_digits/epoch_40.pth',
)
