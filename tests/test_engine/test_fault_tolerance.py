"""Training that survives faults: damaged files, atomic checkpoints, resume that verifies and
falls back, and runs killed with SIGKILL at random moments that end as if never interrupted."""
import glob
import os
import os.path as osp
import random
import shutil
import signal
import subprocess
import textwrap
import time

import pytest
import torch

from mmkd.utils import (CheckpointFileError, DamagedCheckpointError, KDConfigError,
                        NotACheckpointError, check_resumable, find_resumable_checkpoint,
                        load_checkpoint_file)
from mmkd.utils.checkpoint import atomic_write

from helpers import PY, ROOT, build_kd, run_tool

KD_CONFIG = osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')


def truncate(path, fraction=0.5):
    size = osp.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(int(size * fraction))


def test_damaged_and_foreign_files_get_distinct_errors(tmp_path, teacher_ckpt):
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(1000)}}, good)
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(good.read_bytes())
    truncate(bad)
    with pytest.raises(DamagedCheckpointError, match=r"bad\.pth' is damaged or incomplete"):
        load_checkpoint_file(str(bad))
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(NotACheckpointError, match=r'notes\.pth.* is not a checkpoint'):
        load_checkpoint_file(str(text))
    # A broken teacher file is blamed on the file, with the config key, not on the config.
    broken_teacher = tmp_path / 'teacher.pth'
    broken_teacher.write_bytes(open(teacher_ckpt, 'rb').read())
    truncate(broken_teacher)
    with pytest.raises(KDConfigError) as err:
        build_kd(str(broken_teacher))
    assert 'model.teacher_ckpt=' in str(err.value) and 'damaged or incomplete' in str(err.value)
    assert 'does not fit' not in str(err.value)
    # A checkpoint that does not fit still says so, with the keys.
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'backbone.x': torch.zeros(1)}}, wrong)
    with pytest.raises(KDConfigError, match='does not fit the teacher'):
        build_kd(str(wrong))
    # A plain model checkpoint is not resumable, and says what is missing.
    with pytest.raises(CheckpointFileError, match=r"lacks \['meta', 'optimizer'\]"):
        check_resumable(str(good))


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    atomic_write(str(target), b'old')

    def boom(fd):
        raise KeyboardInterrupt('killed while syncing')

    monkeypatch.setattr(os, 'fsync', boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(target), b'new' * 1000)
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # no temporary file left behind


def kd_config(tmp_path, body=''):
    """The shipped digits KD config (random crops included), deterministic, shortened."""
    path = tmp_path / 'cfg.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = [{KD_CONFIG!r}]
        model = dict(teacher_ckpt={str(tmp_path / 'teacher.pth')!r})
        train_dataloader = dict(dataset=dict(num_train=320))
        train_cfg = dict(max_epochs=6, val_interval=2)
        param_scheduler = dict(T_max=6)
        default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=8, save_best=None))
        randomness = dict(seed=3, deterministic=True)
    ''') + textwrap.dedent(body))
    return str(path)


@pytest.fixture
def trained_teacher(tmp_path, teacher_ckpt):
    # The shipped config's teacher architecture, random weights: enough for exactness checks.
    from helpers import build_classifier
    from mmengine.config import Config
    torch.manual_seed(1)
    teacher = build_classifier(Config.fromfile(KD_CONFIG).model.teacher)
    torch.save({'state_dict': teacher.state_dict()}, tmp_path / 'teacher.pth')


def final_weights(work_dir, epoch=6):
    return load_checkpoint_file(osp.join(work_dir, f'epoch_{epoch}.pth'))['state_dict']


def assert_same_weights(a, b):
    assert set(a) == set(b)
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_resume_falls_back_past_a_damaged_checkpoint(tmp_path, trained_teacher):
    cfg = kd_config(tmp_path)
    full, cut = str(tmp_path / 'full'), str(tmp_path / 'cut')
    out = run_tool(['tools/train.py', cfg, '--work-dir', full])
    assert out.returncode == 0, out.stderr[-3000:]
    # A run that stopped after epoch 4, in the middle of writing it: its files are the full
    # run's first four checkpoints, with last_checkpoint naming the newest, which is cut short.
    os.makedirs(cut)
    for epoch in range(1, 5):
        shutil.copy(osp.join(full, f'epoch_{epoch}.pth'), cut)
    with open(osp.join(cut, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(cut, 'epoch_4.pth'))
    truncate(osp.join(cut, 'epoch_4.pth'))

    # An explicit --resume of the damaged file is a clear error naming it.
    out = run_tool(['tools/train.py', cfg, '--work-dir', cut,
                    '--resume', osp.join(cut, 'epoch_4.pth')])
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-2].startswith(
        f"mmkd: checkpoint error: checkpoint '{osp.join(cut, 'epoch_4.pth')}' is damaged")

    # --resume alone passes over it to epoch 3, says so, and ends where the full run ended.
    out = run_tool(['tools/train.py', cfg, '--work-dir', cut, '--resume'])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert f'Not resuming from {osp.join(cut, "epoch_4.pth")}' in log
    assert f'Resuming from {osp.join(cut, "epoch_3.pth")} instead' in log
    assert_same_weights(final_weights(cut), final_weights(full))
    assert find_resumable_checkpoint(cut) == osp.join(cut, 'epoch_6.pth')


SLOW_WRITES = '''
# Test-only: checkpoint writes in slow chunks, announced in a flag file, so that the test can
# kill the run in the middle of one.
import os, time
from mmkd.utils import checkpoint

_write = checkpoint.atomic_write


def slow_atomic_write(path, data):
    if not path.endswith('.pth'):
        return _write(path, data)
    flag = os.path.join(os.path.dirname(path), 'WRITING')
    open(flag, 'w').close()
    chunks = [data[i:i + len(data) // 4 + 1] for i in range(0, len(data), len(data) // 4 + 1)]
    import tempfile
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp',
                               dir=os.path.dirname(path))
    with os.fdopen(fd, 'wb') as f:
        for chunk in chunks:
            f.write(chunk)
            f.flush()
            time.sleep(0.15)
    os.replace(tmp, path)
    os.remove(flag)


import mmkd.engine.hooks.checkpoint_hook as hook_module
hook_module.atomic_write = slow_atomic_write

from mmengine.hooks import Hook
from mmkd.registry import HOOKS


@HOOKS.register_module()
class TrainingFlag(Hook):
    """Announces that training iterations run (the test's clock for random kills)."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        open(os.path.join(runner.work_dir, 'TRAINING'), 'w').close()
'''


def kill_and_resume(cmd, work_dir, kills, rng, env, timeout=600):
    """Run ``cmd``; SIGKILL it at a random moment once training runs (every other time: in the
    middle of a checkpoint write) and resume with ``--resume``, until ``kills`` kills have
    landed or the run finished; then let it finish. Returns (kills, kills during a write)."""
    landed = during_write = 0
    writing, training = osp.join(work_dir, 'WRITING'), osp.join(work_dir, 'TRAINING')
    for attempt in range(3 * kills + 1):
        for flag in (writing, training):
            if osp.exists(flag):
                os.remove(flag)
        proc = subprocess.Popen(cmd + (['--resume'] if attempt else []), cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        if landed == kills:
            _, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err[-3000:]
            return landed, during_write
        aim_at_write = landed % 2 == 1
        deadline = time.time() + timeout
        while proc.poll() is None and not osp.exists(training) and time.time() < deadline:
            time.sleep(0.01)
        start, delay = time.time(), rng.uniform(0.0, 2.5)
        in_write = False
        while proc.poll() is None and time.time() < deadline:
            if aim_at_write and osp.exists(writing):
                time.sleep(rng.uniform(0.05, 0.4))
                in_write = osp.exists(writing)
                break
            if not aim_at_write and time.time() - start > delay:
                in_write = osp.exists(writing)
                break
            time.sleep(0.01)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            landed += 1
            during_write += in_write
        proc.wait()
        if proc.returncode == 0:  # finished before the kill: nothing left to interrupt
            return landed, during_write
    raise AssertionError(f'only {landed} of {kills} kills landed')


@pytest.mark.long
def test_runs_killed_at_random_moments_end_as_if_never_interrupted(tmp_path, trained_teacher):
    cfg = kd_config(tmp_path, body='''
        custom_imports = dict(imports=['slow_writes'], allow_failed_imports=False)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='RandomStateHook'),
                        dict(type='TrainingFlag')]
    ''')
    (tmp_path / 'slow_writes.py').write_text(SLOW_WRITES)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    full, cut = str(tmp_path / 'full'), str(tmp_path / 'cut')
    out = run_tool(['tools/train.py', cfg, '--work-dir', full])
    assert out.returncode == 0, out.stderr[-3000:]

    kills = int(os.environ.get('MMKD_FAULT_KILLS', '4'))
    rng = random.Random(int(os.environ.get('MMKD_FAULT_SEED', '0')))
    landed, during_write = kill_and_resume([PY, 'tools/train.py', cfg, '--work-dir', cut], cut,
                                           kills, rng, env)
    print(f'{landed} kills survived, {during_write} of them during a checkpoint write')
    assert landed >= 3 and during_write >= 1, (landed, during_write)
    assert_same_weights(final_weights(cut), final_weights(full))
    # Only complete checkpoints under checkpoint names, and no temporary files left.
    assert not glob.glob(osp.join(cut, '.*.tmp'))
    for path in glob.glob(osp.join(cut, 'epoch_*.pth')):
        check_resumable(path)


@pytest.mark.long
def test_two_process_run_killed_and_resumed_ends_as_if_never_interrupted(tmp_path,
                                                                         trained_teacher):
    from test_engine.test_distributed import free_port
    cfg = kd_config(tmp_path, body='''
        train_cfg = dict(max_epochs=4, val_interval=2)
        param_scheduler = dict(T_max=4)
    ''')
    full, cut = str(tmp_path / 'full'), str(tmp_path / 'cut')

    def launch(work_dir, *extra):
        env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=PY, PORT=str(free_port()))
        return subprocess.Popen(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work_dir,
                                 *extra], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    proc = launch(full)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()[-3000:]
    proc = launch(cut)
    deadline = time.time() + 600
    while not osp.exists(osp.join(cut, 'epoch_2.pth')) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # both ranks and the launcher, mid epoch 3
    proc.wait()
    assert not osp.exists(osp.join(cut, 'epoch_4.pth'))
    proc = launch(cut, '--resume')
    assert proc.wait(timeout=600) == 0, proc.stderr.read()[-3000:]
    assert_same_weights(final_weights(cut, 4), final_weights(full, 4))
