"""Two-process distillation and evaluation on CPU (gloo) through tools/dist_train.sh and
tools/dist_test.sh, as a user runs them."""
import os
import re
import socket
import subprocess
import textwrap

import torch

from helpers import PY, ROOT, run_tool
from test_tools.test_train_test_extract import write_config


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_cpu_training_keeps_ranks_in_sync(tmp_path, teacher_ckpt):
    (tmp_path / 'dump_hook.py').write_text(textwrap.dedent('''
        import os.path as osp
        import torch
        from mmengine.hooks import Hook
        from mmengine.model import is_model_wrapper
        from mmkd.registry import HOOKS

        @HOOKS.register_module()
        class DumpWeights(Hook):
            def after_train(self, runner):
                model = runner.model.module if is_model_wrapper(runner.model) else runner.model
                torch.save(dict(world_size=runner.world_size, wrapped=is_model_wrapper(runner.model),
                                state=model.state_dict()),
                           osp.join(runner.work_dir, f'rank{runner.rank}.pth'))
    '''))
    cfg = write_config(tmp_path, teacher_ckpt, body='''
        custom_imports = dict(imports=['dump_hook'], allow_failed_imports=False)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
        train_cfg = dict(max_epochs=2, val_interval=2)
    ''')
    work = tmp_path / 'work'
    # dump_hook.py lies beside the config: every process finds it without PYTHONPATH.
    env = dict(PYTHON=PY, PORT=str(free_port()))
    out = subprocess.run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', str(work)],
                         cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1', **env),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert r0['world_size'] == r1['world_size'] == 2 and r0['wrapped']
    assert set(r0['state']) == set(r1['state'])
    for k in r0['state']:
        torch.testing.assert_close(r0['state'][k], r1['state'][k], msg=k)
    assert (work / 'epoch_2.pth').is_file()

    # Both processes evaluate their share of the test set; the metric is over all of it.
    env['PORT'] = str(free_port())
    out = subprocess.run(['bash', 'tools/dist_test.sh', cfg, str(work / 'epoch_2.pth'), '2',
                          '--work-dir', str(tmp_path / 'test')],
                         cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1', **env),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    single = run_tool(['tools/test.py', cfg, str(work / 'epoch_2.pth'), '--work-dir',
                       str(tmp_path / 'test1')])
    assert single.returncode == 0, single.stderr[-3000:]
    assert top1(out.stdout + out.stderr) == top1(single.stdout + single.stderr)


def top1(log):
    return re.findall(r'Epoch\(test\).*accuracy/top1: ([0-9.]+)', log)[-1]
