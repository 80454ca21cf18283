"""Two-process distillation on CPU (gloo) through tools/train.py --launcher pytorch."""
import socket
import textwrap

import torch

from helpers import run_tool
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
    out = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                    f'--master_port={free_port()}', 'tools/train.py', cfg, '--launcher',
                    'pytorch', '--work-dir', str(work)],
                   env=dict(PYTHONPATH=str(tmp_path)))
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert r0['world_size'] == r1['world_size'] == 2 and r0['wrapped']
    assert set(r0['state']) == set(r1['state'])
    for k in r0['state']:
        torch.testing.assert_close(r0['state'][k], r1['state'][k], msg=k)
    assert (work / 'epoch_2.pth').is_file()
