# Activation boundaries (Heo et al. 2019) as RepDistiller runs it on CIFAR-100: the pre-ReLU
# maps of every stage, the student's through conv-BN regressors where the shapes differ (its
# Connector), margin 1, per-layer weights 2^(i-n+1) x 3/1000; 30 initialisation epochs in which
# the student's backbone and the regressors learn on the AB loss alone, then 240 epochs of the
# student's CE only (the reference's second stage has no AB term). Pair configs name
# the model pair and the distiller for it.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_init30_240e.py']


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


# with regressors (`ab{i}` in the pair config) / without (equal shapes at every stage)
ab_hooks = _hooks(['architecture.backbone', 'distiller.connectors'])
ab_plain_hooks = _hooks(['architecture.backbone'])


def _ab_distiller(taps, mappings, n, regressors):
    connectors = {f'ab{i}': dict(type='HintRegressor', in_channels='auto', out_channels='auto',
                                 in_size='auto', out_size='auto', use_relu=False)
                  for i in range(1, n + 1)} if regressors else None
    return dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=taps,
                teacher_recorders=taps, connectors=connectors, distill_losses=_ab(n),
                loss_forward_mappings=mappings)


# the whole distiller for networks of 3 stages and of 4, with a regressor per stage (shaped by
# the pair) or, for pairs of equal shapes at every stage, without (`ab_plain_*`, with
# custom_hooks = ab_plain_hooks)
ab_distiller3 = _ab_distiller({{_base_.pre_taps3}}, {{_base_.ab_mappings3}}, 3, True)
ab_distiller4 = _ab_distiller({{_base_.pre_taps4}}, {{_base_.ab_mappings4}}, 4, True)
ab_plain_distiller3 = _ab_distiller({{_base_.pre_taps3}}, {{_base_.ab_plain_mappings3}}, 3, False)
ab_plain_distiller4 = _ab_distiller({{_base_.pre_taps4}}, {{_base_.ab_plain_mappings4}}, 4, False)
custom_hooks = ab_hooks
