# Overhaul of feature distillation (Heo et al. 2019) as mdistiller runs it on CIFAR-100: the
# pre-ReLU maps of every stage; the student's through conv1x1-BN to the teacher's channels, the
# teacher's (average-pooled to the student's size where larger) raised to the per-channel margin
# of the BN before its ReLU; the partial L2 summed and divided by the batch, stage i of n
# weighted 1e-3 / 2^(n-i); the teacher's BN layers in train mode (model.teacher_norm_train), as
# mdistiller keeps its teacher in train mode. Pair configs hold the connectors and losses.
_base_ = ['./cifar_stage_taps.py']


def _ofd(n):
    # mdistiller: stage i of n weighted 1 / 2^(n-i), times FEAT_WEIGHT 1e-3
    return {f'loss_ofd{i}': dict(type='OFDLoss', loss_weight=0.001 / 2**(n - i))
            for i in range(1, n + 1)}


ofd_losses3, ofd_losses4 = _ofd(3), _ofd(4)
