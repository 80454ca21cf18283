# The student trained alone (the baseline every distillation result is compared with).
_base_ = [
    '../_base_/models/cifar100/resnet34_resnet18.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py'
]
model = {{_base_.student_model}}
