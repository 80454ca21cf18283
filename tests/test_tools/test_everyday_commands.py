"""The everyday commands as a user meets them: threads, packaged config names, seeds, logs that
hold the error, interrupts, completed runs, the cache builder's checks and progress, progress
bars on a terminal, training curves, checkpoint permissions."""
import copy
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import textwrap
import time

import pytest

from helpers import PY, ROOT, run_tool

TRAIN = osp.join(ROOT, 'tools/train.py')


def short_config(folder, body=''):
    """The demo student trained alone, one short epoch: a config in the user's own folder."""
    path = folder / 'student.py'
    path.write_text(textwrap.dedent('''
        _base_ = ['mmkd::demo/student_convnet_digits.py']
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=64))
        train_cfg = dict(max_epochs=1, val_interval=1)
        param_scheduler = dict(T_max=1)
    ''') + textwrap.dedent(body))
    return str(path)


def log_of(work_dir):
    return ''.join(open(p).read() for p in glob.glob(osp.join(str(work_dir), '*', '*.log')))


def test_threads_seed_and_packaged_config_names(tmp_path):
    # a packaged config by name, from a folder outside the repository
    out = run_tool([TRAIN, 'mmkd::demo/student_convnet_digits.py', '--work-dir', 'w',
                    '--threads', '1', '--seed', '5', '--cfg-options', 'train_cfg.max_epochs=1',
                    'train_dataloader.dataset.num_train=64'], cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    log = log_of(tmp_path / 'w')
    assert 'torch CPU threads: 1 (as asked)' in log and 'seed: 5' in log
    assert 'MultiScaleDeformableAttention' not in out.stdout + out.stderr
    # auto follows OMP_NUM_THREADS when it is set (run_tool sets 1), else the idle cores
    out = run_tool([TRAIN, short_config(tmp_path), '--work-dir', 'a'], cwd=str(tmp_path))
    assert out.returncode == 0 and 'torch CPU threads: 1 (OMP_NUM_THREADS)' in log_of(
        tmp_path / 'a')
    out = run_tool([TRAIN, short_config(tmp_path), '--threads', 'many'], cwd=str(tmp_path))
    assert out.returncode == 2 and '--threads must be a number >= 1 or "auto"' in out.stderr
    # checkpoints get the umask's permissions, as a plain file would
    assert os.stat(tmp_path / 'a' / 'epoch_1.pth').st_mode & 0o777 == \
        0o666 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_config_error_is_in_the_run_s_log_and_names_the_command(tmp_path):
    cfg = tmp_path / 'kd.py'
    cfg.write_text(textwrap.dedent('''
        _base_ = ['mmkd::kd/kd_convnet-teacher_convnet-student_digits.py']
        model = dict(teacher_ckpt='teachers/missing.pth')
    '''))
    out = run_tool([TRAIN, str(cfg), '--work-dir', 'w'], cwd=str(tmp_path))
    assert out.returncode == 2
    message = out.stderr.strip().splitlines()[-2]
    assert message.startswith("mmkd: config error: model.teacher_ckpt='teachers/missing.pth': "
                              f'no such file (relative to the current folder, {tmp_path})')
    assert f'`python {TRAIN} TEACHER_CONFIG`' in message
    assert message in log_of(tmp_path / 'w')  # a batch job that keeps no output keeps this
    # with MMKD_DEBUG the traceback is printed and the footer is not
    out = run_tool([TRAIN, str(cfg), '--work-dir', 'w'], cwd=str(tmp_path),
                   env=dict(MMKD_DEBUG='1'))
    assert 'Traceback' in out.stderr and 'set MMKD_DEBUG=1' not in out.stderr


def test_ctrl_c_says_where_the_run_stopped_and_how_to_continue(tmp_path):
    cfg = short_config(tmp_path, body='''
        train_dataloader = dict(dataset=dict(num_train=1257))
        train_cfg = dict(max_epochs=30)
        param_scheduler = dict(T_max=30)
    ''')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    # SIGINT as a terminal delivers it, also when the tests run as a background job (whose
    # children start with SIGINT ignored, which Python keeps)
    proc = subprocess.Popen([PY, TRAIN, cfg, '--work-dir', 'w'], cwd=str(tmp_path), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while not (tmp_path / 'w' / 'epoch_2.pth').exists():
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-3000:]
    assert 'Traceback' not in err
    last = err.strip().splitlines()[-2]
    assert last.startswith('mmkd: interrupted in epoch ') and ' of 30 (iteration ' in last
    assert last.endswith(f'. Continue with: python {TRAIN} {cfg} --work-dir w --resume')
    assert 'the last checkpoint is ' in last and 'mmkd: interrupted in epoch' in log_of(
        tmp_path / 'w')
    # the command it gives continues the run
    out = run_tool([TRAIN, cfg, '--work-dir', 'w', '--resume',
                    '--cfg-options', 'train_cfg.max_epochs=3'], cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]


def test_resuming_a_complete_run_says_so(tmp_path):
    cfg = short_config(tmp_path)
    assert run_tool([TRAIN, cfg, '--work-dir', 'w'], cwd=str(tmp_path)).returncode == 0
    out = run_tool([TRAIN, cfg, '--work-dir', 'w', '--resume'], cwd=str(tmp_path))
    assert out.returncode == 0
    assert ('mmkd: the run is complete (epoch 1 of 1, ' in out.stdout
            and 'there is nothing to resume' in out.stdout)


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path):
    import pty
    cfg = short_config(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen([PY, TRAIN, cfg, '--work-dir', 'tty'], cwd=str(tmp_path),
                            stdin=slave, stdout=slave, stderr=slave,
                            env=dict(os.environ, OMP_NUM_THREADS='1', COLUMNS='120'))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(master)
    text = b''.join(chunks).decode(errors='replace')
    assert proc.returncode == 0, text[-3000:]
    assert 'epoch 1/1' in text and '2/2' in text and 'loss' in text
    out = run_tool([TRAIN, cfg, '--work-dir', 'file'], cwd=str(tmp_path))
    assert out.returncode == 0 and 'epoch 1/1' not in out.stdout + out.stderr


def test_training_curves_of_several_work_dirs(tmp_path):
    cfg = short_config(tmp_path, body='train_cfg = dict(max_epochs=2)\nparam_scheduler = '
                                      'dict(T_max=2)\n')
    for name in ('a', 'b'):
        assert run_tool([TRAIN, cfg, '--work-dir', name, '--seed', str(ord(name))],
                        cwd=str(tmp_path)).returncode == 0
    out = run_tool([osp.join(ROOT, 'tools/analysis/plot_curves.py'), 'a', 'b', '--out',
                    'curves.png'], cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / 'curves.png').stat().st_size > 10000
    assert 'a: loss' in out.stdout and 'accuracy/top1' in out.stdout
    out = run_tool([osp.join(ROOT, 'tools/analysis/plot_curves.py'), 'a', '--keys', 'nope'],
                   cwd=str(tmp_path))
    assert out.returncode == 2 and "no run logged ['nope']" in out.stderr


def test_the_cache_builder_refuses_what_training_would_and_reports_progress(tmp_path,
                                                                           teacher_ckpt):
    from test_engine.test_teacher_cache import cache_config
    cfg = cache_config(tmp_path / 'w', teacher_ckpt, tmp_path / 'cache', topk=4)
    # a feature recorder on the teacher: training from a cache would refuse it
    bad = copy.deepcopy(cfg)
    bad.model.distiller.teacher_recorders.feat = dict(type='ModuleOutputs', source='backbone')
    bad.dump(str(tmp_path / 'feature.py'))
    builder = osp.join(ROOT, 'tools/build_teacher_cache.py')
    out = run_tool([builder, str(tmp_path / 'feature.py')], cwd=str(tmp_path))
    assert out.returncode == 2
    assert 'Feature and relation losses need the live teacher' in out.stderr
    assert not (tmp_path / 'cache').exists()  # refused before anything was built
    no_hook = copy.deepcopy(cfg)
    no_hook.custom_hooks = []
    no_hook.dump(str(tmp_path / 'no_hook.py'))
    out = run_tool([builder, str(tmp_path / 'no_hook.py')], cwd=str(tmp_path))
    assert out.returncode == 2 and "no dict(type='ReplayAugmentationHook')" in out.stderr
    cfg.dump(str(tmp_path / 'good.py'))
    out = run_tool([builder, str(tmp_path / 'good.py')], cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert any(ln.startswith(f'building teacher cache {tmp_path / "cache"}: 256 of 256 '
                             'entries to compute') for ln in lines)
    assert sum(ln.strip().endswith('s left)') for ln in lines) >= 5  # one line per tenth
    meta = json.loads((tmp_path / 'cache' / 'meta.json').read_text())
    assert meta['replay_generators'] == ['numpy']
