# PKT (setting in configs/_base_/distillers/pkt_cifar.py) on the pooled features of resnet56 (64)
# -> resnet20 (64).
_base_ = [
    '../_base_/models/cifar_kd/resnet56_resnet20.py', '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_240e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/pkt_cifar.py'
]
model = dict(distiller={{_base_.pkt_distiller}})
