"""A checkpoint that does not fit the run (another model, another optimizer) is refused with
the file named and what does not fit, before any of it is used."""
import copy
import os
import textwrap

import pytest
import torch

from mmkd.utils import load_checkpoint_file
from mmkd.utils.resume import CheckpointMismatchError

from helpers import digits_kd_config, run_tool


SHORT = '''
    train_dataloader = dict(batch_size=32, dataset=dict(num_train=64))
    train_cfg = dict(max_epochs=1, val_interval=1)
    param_scheduler = dict(T_max=1)
    randomness = dict(seed=0, deterministic=True)
'''


def plain_config(tmp_path):
    """The digits student trained alone (a model's own run, as a teacher's would be)."""
    path = tmp_path / 'plain.py'
    path.write_text(textwrap.dedent('''
        _base_ = ['mmkd::demo/student_convnet_digits.py']
    ''') + textwrap.dedent(SHORT))
    return str(path)


def kd_config(tmp_path, teacher_ckpt):
    """The shipped digits KD config: the same student, distilled."""
    path = tmp_path / 'kd.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = ['mmkd::kd/kd_convnet-teacher_convnet-student_digits.py']
        model = dict(teacher=dict(backbone=dict(widths=(16, 32), num_convs=1),
                                  head=dict(in_channels=32)),
                     teacher_ckpt={teacher_ckpt!r})
    ''') + textwrap.dedent(SHORT))
    return str(path)


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in os.listdir(folder)
            if name.endswith('.pth') or name == 'last_checkpoint'}


@pytest.mark.long
def test_resuming_another_models_training_checkpoint_names_the_file(tmp_path, teacher_ckpt):
    plain = tmp_path / 'plain'
    out = run_tool(['tools/train.py', plain_config(tmp_path), '--work-dir', str(plain)])
    assert out.returncode == 0, out.stderr[-3000:]
    kd_cfg, kd_work = kd_config(tmp_path, teacher_ckpt), tmp_path / 'kd'
    out = run_tool(['tools/train.py', kd_cfg, '--work-dir', str(kd_work)])
    assert out.returncode == 0, out.stderr[-3000:]
    before = snapshot(kd_work)

    foreign = plain / 'epoch_1.pth'
    out = run_tool(['tools/train.py', kd_cfg, '--work-dir', str(kd_work), '--resume',
                    str(foreign)])
    assert out.returncode == 2, out.stderr[-3000:]
    message = out.stderr.strip().splitlines()[-2]
    assert message.startswith(f"mmkd: checkpoint error: checkpoint '{foreign}' does not fit "
                              'the model of this config (SingleTeacherDistill):')
    assert "of the model's keys are not in it ('architecture." in message
    assert "The model keeps these weights under 'architecture.' and the checkpoint without " \
           "it: the checkpoint is a plain model's" in message
    assert 'No checkpoint of the work dir was changed.' in message
    assert snapshot(kd_work) == before

    # The reverse: a distillation checkpoint given to the student's own config (one that
    # trains longer: resuming a checkpoint that ends the run would say so first).
    out = run_tool(['tools/train.py', plain_config(tmp_path), '--work-dir', str(plain),
                    '--resume', str(kd_work / 'epoch_1.pth'),
                    '--cfg-options', 'train_cfg.max_epochs=2'])
    assert out.returncode == 2
    assert "The checkpoint keeps these weights under 'architecture.': it is a distillation " \
           'checkpoint; extract the model with mmkd-extract-student' in out.stderr

    # tools/test.py with an exported student under the distillation config
    out = run_tool(['tools/test.py', kd_cfg, str(foreign), '--work-dir', str(tmp_path / 't')])
    assert out.returncode == 2
    assert f"checkpoint '{foreign}' does not fit the model" in out.stderr


def _runner(tmp_path, teacher_ckpt, name, resume_from=None, **optim):
    from mmkd.engine.runner import build_runner
    cfg = digits_kd_config(tmp_path / name, teacher_ckpt, epochs=1)
    cfg.optim_wrapper.update(optim)
    if resume_from is not None:
        cfg.resume, cfg.load_from = True, resume_from
    return build_runner(cfg)


def test_an_optimizer_of_another_layout_is_refused_before_it_is_loaded(tmp_path, teacher_ckpt):
    _runner(tmp_path, teacher_ckpt, 'one_group').train()
    ckpt = str(tmp_path / 'one_group' / 'epoch_1.pth')
    # same model, the head in a parameter group of its own
    runner = _runner(tmp_path, teacher_ckpt, 'two_groups', resume_from=ckpt,
                     paramwise_cfg=dict(custom_keys={'architecture.head': dict(lr_mult=0.1)}))
    with pytest.raises(CheckpointMismatchError, match=(
            f"checkpoint '{ckpt}' cannot be resumed by this run: its optimizer state has "
            r'parameter groups of sizes \[16\], and this run\'s optimizer \[1(, 1)+\]')):
        runner.train()


def test_load_from_must_fit_unless_partial_loading_is_asked_for(tmp_path, teacher_ckpt):
    from mmkd.engine.runner import build_runner
    _runner(tmp_path, teacher_ckpt, 'first').train()
    state = load_checkpoint_file(str(tmp_path / 'first' / 'epoch_1.pth'))
    partial = {k: v for k, v in state['state_dict'].items() if '.head.' not in k}
    torch.save(dict(state_dict=partial), tmp_path / 'partial.pth')
    cfg = digits_kd_config(tmp_path / 'second', teacher_ckpt, epochs=1)
    cfg.load_from = str(tmp_path / 'partial.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=r"2 of the model's keys are not in it \('architecture.head.fc"):
        build_runner(copy.deepcopy(cfg)).train()
    cfg.custom_hooks = [dict(type='mmkd.CheckpointFitHook', partial_load_from=True)]
    runner = build_runner(cfg)
    runner.train()  # the backbone loaded, the head as initialised
    # shapes must fit even then
    wrong = dict(partial, **{'architecture.head.fc.weight': torch.zeros(3, 16)})
    torch.save(dict(state_dict=wrong), tmp_path / 'wrong.pth')
    cfg = digits_kd_config(tmp_path / 'third', teacher_ckpt, epochs=1)
    cfg.load_from = str(tmp_path / 'wrong.pth')
    cfg.custom_hooks = [dict(type='mmkd.CheckpointFitHook', partial_load_from=True)]
    with pytest.raises(CheckpointMismatchError, match=r'1 shape\(s\) differ \(architecture.head'
                       r'.fc.weight: checkpoint \(3, 16\), model \(10, 16\)\)'):
        build_runner(cfg).train()
