_base_ = ['./resnet34_resnet18.py']
model = dict(
    type='SingleTeacherDistill',
    architecture={{_base_.student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt='work_dirs/resnet34_cifar100/epoch_240.pth',
)
