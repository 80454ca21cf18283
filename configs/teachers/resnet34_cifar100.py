# The CIFAR-100 teacher of the resnet34 -> resnet18 configs (standard protocol, 240 epochs).
_base_ = [
    '../_base_/models/cifar100/resnet34_resnet18.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py'
]
model = {{_base_.teacher_model}}
