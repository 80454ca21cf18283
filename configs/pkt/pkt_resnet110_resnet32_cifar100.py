# PKT (setting in configs/_base_/distillers/pkt_cifar.py) on the pooled features of resnet110 (64)
# -> resnet32 (64).
_base_ = ['../_base_/models/cifar_kd/resnet110_resnet32.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/pkt_cifar.py']
model = dict(distiller={{_base_.pkt_distiller}})
