# Activation boundaries (Heo et al. 2019) as RepDistiller runs it on CIFAR-100: the pre-ReLU
# maps of every stage, the student's through conv-BN regressors where the shapes differ (its
# Connector), margin 1, per-layer weights 2^(i-n+1) x 3/1000; 30 initialisation epochs in which
# the student's backbone and the regressors learn on the AB loss alone, then 240 epochs of the
# student's CE only (the reference's second stage has no AB term). Pair configs hold the
# regressors, the losses and the stages (DistillStagesHook).
_base_ = ['./cifar_stage_taps.py']


def _ab(n):
    # RepDistiller's ABLoss: layer i of n (from 0) weighted 2^(i-n+1), times 3/1000
    return {f'loss_ab{i}': dict(type='ABLoss', margin=1.0, loss_weight=0.003 * 2**(i - n))
            for i in range(1, n + 1)}


def _hooks(trainable):
    return [
        dict(type='SyncBuffersHook'),
        dict(type='RandomStateHook'),
        dict(type='DistillStagesHook', stages=[
            # every AB loss alone; the student's backbone (and the regressors) train
            dict(name='init', epochs=30, student_loss=False, trainable=trainable),
            dict(name='main', losses=dict())])
    ]


ab_losses3, ab_losses4 = _ab(3), _ab(4)
# with regressors (`ab{i}` in the pair config) / without (equal shapes at every stage)
ab_hooks = _hooks(['architecture.backbone', 'distiller.connectors'])
ab_plain_hooks = _hooks(['architecture.backbone'])
