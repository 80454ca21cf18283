# PKT (setting in configs/_base_/distillers/pkt_cifar.py) on the pooled features of resnet32x4
# (256) -> resnet8x4 (256).
_base_ = ['../_base_/models/cifar_kd/resnet32x4_resnet8x4.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/pkt_cifar.py']
model = dict(distiller={{_base_.pkt_distiller}})
