# CIFAR-100 with the standard 240-epoch protocol and the default runtime: what every CIFAR
# pair config of a distillation method runs on.
_base_ = ['./datasets/cifar100.py', './schedules/cifar100_240e.py', './default_runtime.py']
