import glob
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.utils import load_checkpoint_file

from helpers import digits_kd_config


class _Crash(Hook):
    """Simulates an interruption right after the checkpoint of epoch ``at`` is written."""

    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.at:
            raise KeyboardInterrupt('simulated interruption')


def final_state(work_dir):
    return load_checkpoint_file(osp.join(work_dir, 'epoch_4.pth'))['state_dict']


def test_interrupted_training_resumes_to_the_same_weights(tmp_path, teacher_ckpt):
    full = digits_kd_config(tmp_path / 'full', teacher_ckpt, epochs=4)
    Runner.from_cfg(full).train()

    cut = digits_kd_config(tmp_path / 'cut', teacher_ckpt, epochs=4)
    runner = Runner.from_cfg(cut)
    runner.register_hook(_Crash(at=2))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    assert sorted(osp.basename(p) for p in glob.glob(str(tmp_path / 'cut' / 'epoch_*.pth'))) == [
        'epoch_1.pth', 'epoch_2.pth']

    resumed = digits_kd_config(tmp_path / 'cut', teacher_ckpt, epochs=4)
    resumed.resume = True  # what `tools/train.py CONFIG --resume` sets
    runner = Runner.from_cfg(resumed)
    runner.train()
    assert runner.epoch == 4
    expected, got = final_state(tmp_path / 'full'), final_state(tmp_path / 'cut')
    assert set(expected) == set(got)
    for k in expected:
        torch.testing.assert_close(got[k], expected[k], rtol=0, atol=1e-6, msg=k)
    # the resumed run logged from epoch 3 on, with the optimizer's momentum restored
    ckpt = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_4.pth'))
    assert ckpt['meta']['epoch'] == 4 and ckpt['optimizer']['state']
