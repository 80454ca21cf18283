# PKT (setting in configs/_base_/distillers/pkt_cifar.py) on the pooled features of wrn_40_2 (128)
# -> wrn_40_1 (64).
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/pkt_cifar.py']
model = dict(distiller={{_base_.pkt_distiller}})
