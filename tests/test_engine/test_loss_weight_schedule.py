import math

import pytest
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.engine import CosineWeight, LinearWarmupWeight, LossWeightScheduleHook, StepWeight, StopAtWeight
from mmkd.registry import MODELS
from mmkd.utils import KDConfigError

from helpers import digits_kd_config


def test_schedule_values():
    warm = LinearWarmupWeight(warmup=20)
    for t in range(60):
        # mdistiller's DKD: min(epoch / 20, 1) with epochs counted from 1
        assert warm(t) == min((t + 1) / 20, 1.0)
    step = StepWeight(milestones=[3, 6], gamma=0.5)
    assert [step(t) for t in (0, 2, 3, 5, 6, 9)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    cos = CosineWeight(begin=2, end=6, eta_min=0.2)
    assert cos(0) == cos(2) == 1.0 and cos(6) == cos(9) == pytest.approx(0.2)
    assert cos(4) == pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi / 2)) / 2)
    assert [StopAtWeight(stop=2)(t) for t in range(4)] == [1, 1, 0, 0]


def test_bad_schedule_configs():
    with pytest.raises(KDConfigError, match="schedules.loss_kd: 'LinearWarmup' .*LinearWarmupWeight"):
        LossWeightScheduleHook(schedules=dict(loss_kd=dict(type='LinearWarmup', warmup=3)))
    with pytest.raises(KDConfigError, match='warmup'):
        LossWeightScheduleHook(schedules=dict(loss_kd=dict(type='LinearWarmupWeight', warmup=0)))


@MODELS.register_module(force=True)
class _UnitLoss(nn.Module):
    """Always 1 (with a zero gradient path), so the logged value is the schedule's factor."""

    def forward(self, preds_S, preds_T):
        return 1.0 + 0.0 * preds_S.sum()


class _Record(Hook):
    priority = 'VERY_LOW'

    def __init__(self):
        self.rows = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.rows.append((runner.epoch, runner.iter, {k: v.item() for k, v in outputs.items()},
                          set(runner.message_hub.log_scalars)))


def test_schedules_scale_and_stop_losses_while_training(tmp_path, teacher_ckpt):
    logits = dict(recorder='logits', from_student=True), dict(recorder='logits', from_student=False)
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_warm=dict(type='_UnitLoss'), loss_stop=dict(type='_UnitLoss')),
        loss_forward_mappings={n: dict(preds_S=logits[0], preds_T=logits[1])
                               for n in ('loss_warm', 'loss_stop')})
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=3, distiller=distiller)
    cfg.custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
        loss_warm=dict(type='LinearWarmupWeight', warmup=2),
        loss_stop=dict(type='StopAtWeight', stop=5, by_epoch=False)))]
    runner = Runner.from_cfg(cfg)
    record = _Record()
    runner.register_hook(record)
    runner.train()
    assert len(record.rows) == 12  # 128 images / 32 per batch x 3 epochs
    for epoch, it, losses, logged in record.rows:
        assert losses['distill.loss_warm'] == pytest.approx(min((epoch + 1) / 2, 1.0))
        if it < 5:  # iterations 0..4 (runner.iter is 0-based)
            assert losses['distill.loss_stop'] == 1.0
        else:
            assert 'distill.loss_stop' not in losses
    # stopped losses are gone from what the logger prints
    assert 'train/distill.loss_stop' not in record.rows[-1][3]
    assert 'train/distill.loss_warm' in record.rows[-1][3]


def test_schedule_naming_a_missing_loss_fails_before_training(tmp_path, teacher_ckpt):
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=1)
    cfg.custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
        loss_dkd=dict(type='LinearWarmupWeight', warmup=20)))]
    with pytest.raises(KDConfigError, match="schedules.loss_dkd: no such loss.*'loss_kd'"):
        Runner.from_cfg(cfg).train()
