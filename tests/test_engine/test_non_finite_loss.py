"""Runs that cannot go wrong quietly: a non-finite loss stops the run (or skips the step, up to
a limit) before its update reaches the weights, names the loss terms, the iteration and the
last checkpoint, and no checkpoint with non-finite weights is ever written."""
import glob
import os
import os.path as osp
import subprocess
import textwrap

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmkd.engine.hooks import NonFiniteError
from mmkd.engine.hooks.non_finite_loss_hook import UpdateGuard, optim_wrappers
from mmkd.utils import KDConfigError, load_checkpoint_file

from helpers import PY, ROOT, run_tool
from test_engine.test_distributed import free_port

KD_CONFIG = osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')
TRAIN = osp.join(ROOT, 'tools/train.py')  # run from the user's folder, outside the repository

# A loss of a user's own (in a folder outside the repository) that turns nan from a given
# call on, every ``every`` calls, on the given process only (-1: every process).
NAN_LOSS = textwrap.dedent('''
    import torch
    from mmengine.dist import get_rank
    from mmkd.registry import MODELS

    @MODELS.register_module()
    class NaNFromCall(torch.nn.Module):
        def __init__(self, start, every=0, rank=-1, loss_weight=1.0):
            super().__init__()
            self.start, self.every, self.rank, self.loss_weight = start, every, rank, loss_weight
            self.calls = 0

        def forward(self, preds_S, preds_T):
            self.calls += 1
            loss = self.loss_weight * (preds_S - preds_T.detach()).pow(2).mean()
            due = self.calls >= self.start and (
                self.every == 0 or (self.calls - self.start) % self.every == 0)
            if due and self.rank in (-1, get_rank()):
                loss = loss * float('nan')
            return loss
''')


def nan_config(tmp_path, teacher_ckpt, loss, body=''):
    """The shipped digits KD config with the extra loss ``loss`` (a dict), 4 iterations per
    epoch, 4 epochs, one checkpoint kept."""
    folder = tmp_path / 'user'
    folder.mkdir(exist_ok=True)
    (folder / 'nan_loss.py').write_text(NAN_LOSS)
    path = folder / 'cfg.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = [{KD_CONFIG!r}]
        custom_imports = dict(imports=['nan_loss'], allow_failed_imports=False)
        model = dict(
            teacher=dict(backbone=dict(widths=(16, 32), num_convs=1),
                         head=dict(in_channels=32)),
            teacher_ckpt={teacher_ckpt!r},
            distiller=dict(
                distill_losses=dict(loss_nan={loss!r}),
                loss_forward_mappings=dict(loss_nan=dict(
                    preds_S=dict(from_student=True, recorder='logits'),
                    preds_T=dict(from_student=False, recorder='logits')))))
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=128))
        train_cfg = dict(max_epochs=4, val_interval=4)
        param_scheduler = dict(T_max=4)
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
        randomness = dict(seed=0, deterministic=True)
    ''') + textwrap.dedent(body))
    return str(path)


def assert_finite_checkpoint(path):
    state = load_checkpoint_file(str(path))['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


def log_text(work):
    return ''.join(open(p).read() for p in glob.glob(osp.join(str(work), '*', '*.log')))


def test_the_first_non_finite_loss_stops_the_run_and_keeps_the_last_checkpoint(
        tmp_path, teacher_ckpt):
    cfg = nan_config(tmp_path, teacher_ckpt, dict(type='NaNFromCall', start=6))
    work = tmp_path / 'work'
    out = run_tool([TRAIN, cfg, '--work-dir', str(work)], cwd=str(tmp_path))
    assert out.returncode == 1, out.stderr[-3000:]
    last = out.stderr.strip().splitlines()[-2]
    assert last.startswith('mmkd: non-finite values: Training stopped: non-finite loss at '
                           'iteration 6 (epoch 2, batch 2): distill.loss_nan = nan')
    assert f'The last checkpoint, {work / "epoch_1.pth"}, was written before it' in last
    # the log of the run holds it too, for batch jobs whose output is not kept
    assert 'distill.loss_nan = nan' in log_text(work)
    assert not (work / 'epoch_2.pth').exists()
    assert_finite_checkpoint(work / 'epoch_1.pth')
    assert (work / 'last_checkpoint').read_text().strip() == str(work / 'epoch_1.pth')


def test_a_diverging_learning_rate_never_leaves_non_finite_checkpoints(tmp_path, teacher_ckpt):
    # lr 0.05 for two epochs, then 5e4: the loss explodes, then turns nan
    cfg = nan_config(tmp_path, teacher_ckpt, dict(type='NaNFromCall', start=10**9), body='''
        param_scheduler = dict(_delete_=True, type='MultiStepLR', by_epoch=True,
                               milestones=[2], gamma=1e6)
    ''')
    work = tmp_path / 'work'
    out = run_tool([TRAIN, cfg, '--work-dir', str(work)], cwd=str(tmp_path))
    assert out.returncode == 1, out.stderr[-3000:]
    assert 'mmkd: non-finite values: Training stopped' in out.stderr
    assert f'The last checkpoint, {work / "epoch_2.pth"}' in out.stderr
    assert sorted(p for p in os.listdir(work) if p.endswith('.pth')) == ['epoch_2.pth']
    assert_finite_checkpoint(work / 'epoch_2.pth')


def test_skipped_steps_are_counted_and_limited(tmp_path, teacher_ckpt):
    hook = "custom_hooks = [dict(type='mmkd.NonFiniteLossHook', action='skip', max_skipped={})]"
    # nan at calls 3, 7, 11, 15 of 16: four steps skipped, the run ends
    cfg = nan_config(tmp_path, teacher_ckpt, dict(type='NaNFromCall', start=3, every=4),
                     body=hook.format(10))
    out = run_tool([TRAIN, cfg, '--work-dir', str(tmp_path / 'ok')],
                   cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'Non-finite loss at iteration 11 (epoch 3, batch 3): distill.loss_nan = nan. ' \
           'The update was skipped (3 of at most 10 skipped so far).' in log
    assert '4 training step(s) were skipped for non-finite losses' in log
    assert_finite_checkpoint(tmp_path / 'ok' / 'epoch_4.pth')
    # the third skip is one too many
    cfg = nan_config(tmp_path, teacher_ckpt, dict(type='NaNFromCall', start=3, every=4),
                     body=hook.format(2))
    out = run_tool([TRAIN, cfg, '--work-dir', str(tmp_path / 'limit')],
                   cwd=str(tmp_path))
    assert out.returncode == 1
    assert 'non-finite loss at iteration 11 (epoch 3, batch 3): distill.loss_nan = nan; more ' \
           'than 2 steps were skipped (NonFiniteLossHook.max_skipped)' in out.stderr
    assert_finite_checkpoint(tmp_path / 'limit' / 'epoch_2.pth')


def _model_and_wrapper(momentum=0.9):
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum,
                                           weight_decay=1e-2))
    return model, wrapper


def test_a_withheld_update_leaves_weights_and_optimizer_state_as_they_were():
    model, wrapper = _model_and_wrapper()
    guard = UpdateGuard(wrapper)
    x = torch.randn(8, 4)
    wrapper.update_params(model(x).pow(2).mean())  # a normal step: momentum buffers exist
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    momentum = {id(p): wrapper.optimizer.state[p]['momentum_buffer'].clone()
                for p in model.parameters()}
    wrapper.update_params(model(x).pow(2).mean() * float('inf'))
    assert guard.skipped
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    for p in model.parameters():
        assert torch.equal(wrapper.optimizer.state[p]['momentum_buffer'], momentum[id(p)])
        assert p.grad is None  # the non-finite gradients were cleared
    guard.skipped = False
    wrapper.update_params(model(x).pow(2).mean())  # and training goes on
    assert not guard.skipped and not torch.equal(model.weight, weights['weight'])
    guard.remove()
    assert 'backward' not in wrapper.__dict__ and 'step' not in wrapper.__dict__


def test_with_gradient_accumulation_the_whole_window_is_withheld():
    model, _ = _model_and_wrapper()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 4)
    guard = UpdateGuard(wrapper)
    before = model.weight.clone()
    x = torch.randn(8, 4)
    wrapper.update_params(model(x).sum() * float('nan'))  # first of the window
    wrapper.update_params(model(x).sum())  # second: the step of the window is withheld
    assert guard.skipped and torch.equal(model.weight, before)
    guard.skipped = False
    wrapper.update_params(model(x).sum())
    wrapper.update_params(model(x).sum())
    assert not guard.skipped and not torch.equal(model.weight, before)


def test_every_wrapper_of_an_optim_wrapper_dict_is_guarded():
    (m1, w1), (m2, w2) = _model_and_wrapper(), _model_and_wrapper()
    assert list(optim_wrappers(OptimWrapperDict(generator=w1, student=w2))) == [w1, w2]


@pytest.mark.parametrize('kwargs,key', [(dict(action='ignore'), 'action'),
                                        (dict(max_skipped=-2), 'max_skipped')])
def test_bad_hook_arguments_name_the_key(kwargs, key):
    from mmkd.engine.hooks import NonFiniteLossHook
    with pytest.raises(KDConfigError, match=key):
        NonFiniteLossHook(**kwargs)


def test_a_checkpoint_with_non_finite_weights_is_never_written(tmp_path, teacher_ckpt):
    """Weights can turn non-finite while the loss is finite (an overflowing update); the
    checkpoint hook refuses to write them and deletes nothing."""
    from mmengine.hooks import Hook
    from mmkd.engine.runner import build_runner
    from helpers import digits_kd_config

    class Poison(Hook):
        def after_train_epoch(self, runner):
            if runner.epoch == 1:  # the second epoch
                with torch.no_grad():
                    runner.model.architecture.head.fc.bias[0] = float('inf')

    cfg = digits_kd_config(tmp_path / 'work', teacher_ckpt, epochs=3)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)
    runner = build_runner(cfg)
    runner.register_hook(Poison(), priority='VERY_HIGH')
    with pytest.raises(NonFiniteError, match=r'epoch_2.pth was not written, because the model '
                       r'holds non-finite values: architecture.head.fc.bias = inf\. The last '
                       r'checkpoint, .*epoch_1.pth, was written before it and is intact'):
        runner.train()
    assert sorted(p for p in os.listdir(tmp_path / 'work') if p.endswith('.pth')) == \
        ['epoch_1.pth']
    assert_finite_checkpoint(tmp_path / 'work' / 'epoch_1.pth')


def test_two_processes_stop_together_when_one_has_a_non_finite_loss(tmp_path, teacher_ckpt):
    cfg = nan_config(tmp_path, teacher_ckpt, dict(type='NaNFromCall', start=3, rank=1),
                     body='''
        train_dataloader = dict(batch_size=16)
        default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
    ''')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=PY, PORT=str(free_port()))
    out = subprocess.run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir',
                          str(tmp_path / 'work')], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode != 0
    # both ranks stop at the same iteration, and name the process that had it
    assert out.stderr.count('mmkd: non-finite values: Training stopped: non-finite loss at '
                            'iteration 3 (epoch 1, batch 3): distill.loss_nan = nan '
                            '(process 1)') == 2, out.stderr[-4000:]
