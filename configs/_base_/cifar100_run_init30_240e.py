# CIFAR-100 with 30 initialisation epochs before the standard 240-epoch protocol (AB, FT, FSP),
# and the default runtime.
_base_ = ['./datasets/cifar100.py', './schedules/cifar100_init30_240e.py', './default_runtime.py']
