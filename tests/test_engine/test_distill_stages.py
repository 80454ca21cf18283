"""Several training stages in one run (DistillStagesHook): switching, freezing, errors."""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.utils.config_errors import KDConfigError

from helpers import LOGITS_KD, digits_kd_config

HINT_AND_KD = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'),
                           **LOGITS_KD['student_recorders']),
    teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'),
                           **LOGITS_KD['teacher_recorders']),
    connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=16, out_channel=32,
                              kernel_size=1, norm_cfg=dict(type='BN'))),
    distill_losses=dict(loss_hint=dict(type='L2Loss'), loss_kd=dict(type='KLDivergence', tau=4)),
    loss_forward_mappings=dict(
        loss_hint=dict(preds_S=dict(recorder='feat', from_student=True, connector='proj'),
                       preds_T=dict(recorder='feat', from_student=False)),
        loss_kd=LOGITS_KD['loss_forward_mappings']['loss_kd']))

INIT_TRAINS = ('architecture.backbone.stages.0', 'distiller.connectors.proj')


class Snapshots(Hook):
    """Keeps a copy of the model's state and the step's losses at the start of every epoch."""

    priority = 'LOWEST'

    def __init__(self):
        self.states, self.losses, self.student_ran = [], [], []

    def before_train_epoch(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))

    def after_train(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(sorted(k for k in outputs if k != 'loss'))


def staged_config(tmp_path, teacher_ckpt, stages, epochs=3, **hook):
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=epochs, distiller=HINT_AND_KD)
    # momentum and weight decay: a frozen parameter must be untouched by both
    cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-2))
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='DistillStagesHook', stages=stages,
                                                      **hook)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    return cfg


def init_then_main(init_epochs=1):
    return [dict(name='init', epochs=init_epochs, losses=dict(loss_hint=1.0), student_loss=False,
                 trainable=list(INIT_TRAINS)),
            dict(name='main', losses=dict(loss_kd=1.0))]


def under(state, prefixes):
    return {k for k in state if any(k.startswith(p + '.') for p in prefixes)}


def test_first_stage_updates_only_what_it_trains(tmp_path, teacher_ckpt):
    runner = Runner.from_cfg(staged_config(tmp_path, teacher_ckpt, init_then_main(), epochs=2))
    snaps = Snapshots()
    runner.register_hook(snaps)
    runner.train()
    before, after_init, after_main = snaps.states[0], snaps.states[1], snaps.states[2]
    student = {k for k in before if k.startswith('architecture.')}
    trained = under(before, INIT_TRAINS)
    assert trained & student and under(before, ['distiller.connectors.proj'])
    for k in before:
        if k in trained and k.endswith(('weight', 'bias')):
            assert not torch.equal(after_init[k], before[k]), f'{k} should have trained'
        elif k not in trained:
            # no update, no weight decay, no momentum, and (eval mode) no BN statistics
            assert torch.equal(after_init[k], before[k]), f'{k} changed in the init stage'
    # the second stage trains the whole student (head included) and no longer the hint
    # connector, whose loss is off
    for k in student:
        if k.endswith('weight') and 'bn' not in k:
            assert not torch.equal(after_main[k], after_init[k]), k
    for k in under(before, ['distiller.connectors.proj']):
        assert torch.equal(after_main[k], after_init[k]), k
    # which losses each stage computed and logged
    per_iter = len(snaps.losses) // 2
    assert all(names == ['distill.loss_hint'] for names in snaps.losses[:per_iter])
    assert all(names == ['distill.loss_kd', 'student.loss'] for names in snaps.losses[per_iter:])
    assert runner.message_hub.get_info('distill_stage') == 'main'


def test_the_log_says_which_losses_a_stage_computes(tmp_path, teacher_ckpt):
    from mmengine.logging import MMLogger
    runner = Runner.from_cfg(staged_config(tmp_path, teacher_ckpt, [
        dict(name='a', epochs=1, losses=dict(loss_hint=1.0)),
        dict(name='b', losses=dict(), student_loss=True)], epochs=2))
    lines = []
    logger = MMLogger.get_current_instance()
    original = logger.info
    logger.info = lambda msg, *a, **k: (lines.append(str(msg)), original(msg, *a, **k))
    try:
        runner.train()
    finally:
        logger.info = original
    stage_lines = [line for line in lines if 'Distillation stage' in line]
    assert "losses {'loss_hint': 1.0}" in stage_lines[0]
    assert "'b' (epochs 1-2): losses {}, student loss on" in stage_lines[1]


def test_frozen_parameters_get_no_optimizer_state(tmp_path, teacher_ckpt):
    """Stage 1 leaves no momentum buffer on frozen parameters, and stage 2 starts from a fresh
    optimizer state (as the reference implementations' second optimizer)."""
    states = []

    class OptimState(Hook):
        def after_train_epoch(self, runner):
            opt = runner.optim_wrapper.optimizer
            named = dict(runner.model.named_parameters())
            states.append({n for n, p in named.items() if opt.state.get(p)})

        def before_train_epoch(self, runner):
            if runner.epoch == 1:
                assert not runner.optim_wrapper.optimizer.state, 'optimizer state not reset'

    runner = Runner.from_cfg(staged_config(tmp_path, teacher_ckpt, init_then_main(), epochs=2))
    runner.register_hook(OptimState(), priority='LOWEST')
    runner.train()
    named = dict(runner.model.named_parameters())
    expected = {n for n in named if any(n.startswith(p + '.') for p in INIT_TRAINS)}
    assert states[0] == expected
    assert states[1] >= {n for n in named if n.startswith('architecture.')}


def test_iteration_based_stages(tmp_path, teacher_ckpt):
    cfg = staged_config(tmp_path, teacher_ckpt, [
        dict(name='init', iters=3, losses=dict(loss_hint=1.0), student_loss=False,
             trainable=list(INIT_TRAINS)),
        dict(name='main')], by_epoch=False)
    cfg.train_cfg = dict(by_epoch=False, max_iters=6, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=100)
    runner = Runner.from_cfg(cfg)
    snaps = Snapshots()
    runner.register_hook(snaps)
    runner.train()
    assert snaps.losses[:3] == [['distill.loss_hint']] * 3
    assert snaps.losses[3:] == [['distill.loss_hint', 'distill.loss_kd', 'student.loss']] * 3


@pytest.mark.parametrize('stages, match', [
    ([dict(name='a', epochs=1, losses=dict(loss_hnt=1.0)), dict(name='b')],
     r"stages\[0\]\.losses\.loss_hnt.*Did you mean 'loss_hint'"),
    ([dict(name='a', losses=dict(loss_hint=1.0)), dict(name='b')],
     r'stages\[0\]\.epochs is missing'),
    ([dict(name='a', epochs=1), dict(name='b', epochs=1)],
     r'cover epochs 0-2, but train_cfg.max_epochs=3'),
    ([dict(name='a', epochs=1, trainable=['architecture.backbone.stage']), dict(name='b')],
     r"stages\[0\]\.trainable\[0\].*no module 'architecture.backbone.stage'.*stages"),
    ([dict(name='a', epochs=1, trainable=['teacher']), dict(name='b')],
     r"trainable\[0\]='teacher' has no parameter that trains"),
    ([dict(name='a', epochs=1, student_loss=False, losses={}), dict(name='b')],
     r'stages\[0\]: no loss is on'),
    ([dict(name='a', epochs=1, lossses={}), dict(name='b')],
     r"unknown key 'lossses'.*Did you mean 'losses'"),
    ([dict(name='a', iters=1), dict(name='b')], r'stages\[0\]\.iters: with by_epoch=True'),
])
def test_stage_config_errors_name_the_key(tmp_path, teacher_ckpt, stages, match):
    with pytest.raises(KDConfigError, match=match):
        Runner.from_cfg(staged_config(tmp_path, teacher_ckpt, stages)).train()


def test_stages_compose_with_a_loss_weight_schedule(tmp_path, teacher_ckpt):
    cfg = staged_config(tmp_path, teacher_ckpt, [
        dict(name='a', epochs=1, losses=dict(loss_hint=2.0)), dict(name='b')], epochs=2)
    cfg.custom_hooks.append(dict(type='LossWeightScheduleHook', schedules=dict(
        loss_hint=dict(type='StepWeight', milestones=[1], gamma=0.5))))
    factors = []

    class Factors(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            factors.append(dict(runner.model.distiller.loss_weight_factors))

    runner = Runner.from_cfg(cfg)
    runner.register_hook(Factors())
    runner.train()
    assert factors[0] == dict(loss_hint=2.0, loss_kd=0.0)
    assert factors[-1] == dict(loss_hint=0.5, loss_kd=1.0)
