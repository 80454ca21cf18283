"""A mean (EMA) teacher: starts as the student, follows it by the EMA rule exactly, is saved
and resumed, and a run without its hook is refused."""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.utils import KDConfigError

from helpers import STUDENT, digits_kd_config


def ema_config(tmp_path, epochs=2, momentum=0.9, hook=True):
    cfg = digits_kd_config(tmp_path, None, epochs=epochs, teacher=None,
                           teacher_policy='ema', teacher_ema_momentum=momentum)
    if hook:
        cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='EMATeacherHook')]
    return cfg


class StudentTrajectory(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.states = []

    def before_train(self, runner):
        self.states.append(copy.deepcopy(runner.model.student.state_dict()))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.states.append(copy.deepcopy(runner.model.student.state_dict()))


def test_ema_teacher_follows_the_student_by_the_rule(tmp_path):
    runner = Runner.from_cfg(ema_config(tmp_path, momentum=0.9))
    trajectory = StudentTrajectory()
    runner.register_hook(trajectory)
    runner.train()
    model = runner.model
    assert all(not p.requires_grad for p in model.teacher.parameters())
    first, *steps = trajectory.states
    expected = {k: v.clone().double() for k, v in first.items() if v.is_floating_point()}
    for state in steps:
        for k in expected:
            expected[k] = 0.9 * expected[k] + 0.1 * state[k].double()
    teacher = model.teacher.state_dict()
    params = dict(model.teacher.named_parameters())
    for k in params:
        torch.testing.assert_close(teacher[k].double(), expected[k], rtol=1e-5, atol=1e-6)
    # buffers are the student's latest
    for k, v in model.teacher.named_buffers():
        assert torch.equal(v, trajectory.states[-1][k])
    assert int(model.ema_updates) == len(steps)
    # the teacher moved: it is not the student's first weights any more
    assert not torch.equal(teacher['head.fc.weight'], first['head.fc.weight'])
    # and it is saved in checkpoints
    from mmkd.utils import load_checkpoint_file
    saved = load_checkpoint_file(str(tmp_path / 'epoch_2.pth'))['state_dict']
    assert torch.equal(saved['teacher.head.fc.weight'], teacher['head.fc.weight'])


class _Crash(Hook):
    priority = 'LOWEST'

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == 1:
            raise KeyboardInterrupt


def test_ema_teacher_resumes_exactly(tmp_path):
    Runner.from_cfg(ema_config(tmp_path / 'full', epochs=2)).train()
    runner = Runner.from_cfg(ema_config(tmp_path / 'cut', epochs=2))
    runner.register_hook(_Crash())
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    resumed = ema_config(tmp_path / 'cut', epochs=2)
    resumed.resume = True
    Runner.from_cfg(resumed).train()
    from mmkd.utils import load_checkpoint_file
    full = load_checkpoint_file(str(tmp_path / 'full' / 'epoch_2.pth'))['state_dict']
    cut = load_checkpoint_file(str(tmp_path / 'cut' / 'epoch_2.pth'))['state_dict']
    for k in full:
        assert torch.equal(full[k], cut[k]), k


def test_ema_teacher_without_its_hook_is_refused(tmp_path, teacher_ckpt):
    with pytest.raises(KDConfigError, match=r"needs custom_hooks=\[dict\(type='EMATeacherHook'\)\]"):
        Runner.from_cfg(ema_config(tmp_path, hook=False)).train()
    with pytest.raises(KDConfigError, match="teacher_policy='ema'"):
        cfg = digits_kd_config(tmp_path / 'frozen', teacher_ckpt, epochs=1)
        cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='EMATeacherHook')]
        Runner.from_cfg(cfg).train()


def test_teacher_policy_errors():
    from helpers import kd_model_cfg
    from mmkd.registry import MODELS
    with pytest.raises(KDConfigError, match="teacher_policy='mean' is not valid"):
        MODELS.build(dict(kd_model_cfg(None), teacher_policy='mean'))
    with pytest.raises(KDConfigError, match='contradicts'):
        MODELS.build(dict(kd_model_cfg(None), teacher_policy='ema', teacher_trainable=True))
    with pytest.raises(KDConfigError, match='teacher_ema_momentum must be in'):
        MODELS.build(dict(kd_model_cfg(None), teacher_policy='ema', teacher_ema_momentum=1.0))
    assert STUDENT
