# DKD with beta = 2.0: mdistiller's CIFAR-100 setting for the pairs where it departs from beta 8
# (resnet56/resnet110 teachers: 2; wrn_40_2 and vgg13 teachers: 6).
_base_ = ['./dkd.py']
distiller = dict(distill_losses=dict(loss_dkd=dict(beta=2.0)))
