# ShuffleV1 trained alone on CIFAR-100 with the standard protocol (a teacher, or a student's baseline).
_base_ = [
    '../_base_/models/cifar/shufflev1.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py'
]

# Lighter networks train at lr 0.01 in the benchmarks.
optim_wrapper = dict(optimizer=dict(lr=0.01))
