"""Two-process distillation and evaluation on CPU (gloo) through tools/dist_train.sh and
tools/dist_test.sh, as a user runs them."""
import os
import re
import socket
import subprocess
import textwrap

import pytest
import torch

from helpers import PY, ROOT, run_tool
from test_tools.test_train_test_extract import write_config


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


DUMP_HOOK = textwrap.dedent('''
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
    ''')


def dist_train(cfg, work, extra=()):
    """tools/dist_train.sh CFG 2 --work-dir WORK [EXTRA], one thread per process."""
    env = dict(PYTHON=PY, PORT=str(free_port()))
    return subprocess.run(['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(work),
                           *extra], cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1', **env),
                          capture_output=True, text=True, timeout=600)


@pytest.mark.long
def test_two_process_cpu_training_keeps_ranks_in_sync(tmp_path, teacher_ckpt):
    (tmp_path / 'dump_hook.py').write_text(DUMP_HOOK)
    cfg = write_config(tmp_path, teacher_ckpt, body='''
        custom_imports = dict(imports=['dump_hook'], allow_failed_imports=False)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
        train_cfg = dict(max_epochs=2, val_interval=2)
    ''')
    work = tmp_path / 'work'
    # dump_hook.py lies beside the config: every process finds it without PYTHONPATH.
    out = dist_train(cfg, work)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert r0['world_size'] == r1['world_size'] == 2 and r0['wrapped']
    assert set(r0['state']) == set(r1['state'])
    for k in r0['state']:
        torch.testing.assert_close(r0['state'][k], r1['state'][k], msg=k)
    assert (work / 'epoch_2.pth').is_file()

    # Both processes evaluate their share of the test set; the metric is over all of it.
    env = dict(PYTHON=PY, PORT=str(free_port()))
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


@pytest.mark.long
def test_two_process_training_through_stages(tmp_path, teacher_ckpt):
    """FT's two stages under DistributedDataParallel: the paraphraser stage leaves the student
    without gradients, which DDP allows with find_unused_parameters; the ranks stay equal."""
    from helpers import STUDENT, TEACHER
    cfg = tmp_path / 'ft.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{os.path.join(ROOT, 'configs/ft/ft_convnet-teacher_convnet-student_digits.py')!r}]
        model = dict(
            teacher=dict(_delete_=True, **{TEACHER!r}), teacher_ckpt={teacher_ckpt!r},
            architecture=dict(_delete_=True, **{STUDENT!r}),
            distiller=dict(connectors=dict(paraphraser=dict(in_channels=32),
                                           translator=dict(teacher_channels=32))))
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=96))
        train_cfg = dict(max_epochs=2, val_interval=2)
        param_scheduler = dict(T_max=1, begin=1, end=2)
        custom_hooks = [
            dict(type='SyncBuffersHook'), dict(type='RandomStateHook'),
            dict(type='DistillStagesHook', stages=[
                dict(name='paraphraser', epochs=1, losses=dict(loss_rec=1.0), student_loss=False,
                     trainable=['distiller.connectors.paraphraser']),
                dict(name='main', losses=dict(loss_ft=1.0),
                     frozen=['distiller.connectors.paraphraser'])])]
        default_hooks = dict(logger=dict(interval=1))
        randomness = dict(seed=0, deterministic=True)
    '''))

    out = dist_train(cfg, tmp_path / 'refused')
    assert out.returncode != 0 and 'find_unused_parameters=True' in out.stdout + out.stderr
    out = dist_train(cfg, tmp_path / 'work', ['--cfg-options',
                                    'model_wrapper_cfg.type=MMDistributedDataParallel',
                                    'model_wrapper_cfg.find_unused_parameters=True'])
    log = out.stdout + out.stderr
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    assert "stage 0 'paraphraser'" in log and "stage 1 'main'" in log
    from mmkd.utils import load_checkpoint_file
    ckpt = load_checkpoint_file(str(tmp_path / 'work' / 'epoch_2.pth'))
    assert any(k.startswith('distiller.connectors.translator.') for k in ckpt['state_dict'])


def test_two_process_mutual_learning_keeps_the_peers_identical_across_ranks(tmp_path):
    from helpers import STUDENT
    (tmp_path / 'dump_hook.py').write_text(DUMP_HOOK)
    cfg = tmp_path / 'dml.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{os.path.join(ROOT, 'configs/dml/dml_convnet-peers_digits.py')!r}]
        custom_imports = dict(imports=['dump_hook'], allow_failed_imports=False)
        model = dict(architecture=dict(_delete_=True, **{STUDENT!r}),
                     peers=dict(peer2=dict(model=dict(_delete_=True, **{STUDENT!r}))))
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=96))
        train_cfg = dict(max_epochs=1, val_interval=1)
        param_scheduler = dict(T_max=1)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
        randomness = dict(seed=0, deterministic=True)
    '''))
    work = tmp_path / 'work'
    out = dist_train(cfg, work)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert r0['wrapped'] and any(k.startswith('peers.peer2.') for k in r0['state'])
    for k in r0['state']:
        assert torch.equal(r0['state'][k], r1['state'][k]), k
    assert 'peer2/accuracy/top1' in out.stdout + out.stderr


@pytest.mark.long
def test_two_process_dot_runs_its_own_update(tmp_path, teacher_ckpt):
    """Under DDP the algorithm's own step runs (AlgorithmDataParallel): DOT's split update,
    whose distillation momentum is in the optimizer state; the ranks stay equal."""
    (tmp_path / 'dump_hook.py').write_text(DUMP_HOOK)
    cfg = write_config(tmp_path, teacher_ckpt, body='''
        custom_imports = dict(imports=['dump_hook'], allow_failed_imports=False)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
        optim_wrapper = dict(_delete_=True, type='DOTOptimWrapper', optimizer=dict(
            type='DOTSGD', lr=0.05, momentum=0.9, delta=0.075, weight_decay=5e-4))
    ''')
    work = tmp_path / 'work'
    out = dist_train(cfg, work)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    from mmkd.utils import load_checkpoint_file
    state = load_checkpoint_file(str(work / 'epoch_1.pth'))['optimizer']['state']
    trained = [s for s in state.values() if s]  # the frozen teacher's entries stay empty
    assert trained and all({'momentum_buffer', 'momentum_kd_buffer'} <= set(s) for s in trained)
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    for k in r0['state']:
        torch.testing.assert_close(r0['state'][k], r1['state'][k], msg=k)


def test_two_process_quantization_aware_distillation_keeps_ranks_in_sync(tmp_path,
                                                                        teacher_ckpt):
    """A fake-quantized student under DDP: the learned activation scales (initialised from each
    rank's statistics, then trained) and the weights stay identical across ranks."""
    (tmp_path / 'dump_hook.py').write_text(DUMP_HOOK)
    cfg = write_config(tmp_path, teacher_ckpt, body='''
        custom_imports = dict(imports=['dump_hook'], allow_failed_imports=False)
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
        model['architecture'] = dict(
            _delete_=True, type='mmkd.QuantizedModel',
            model={k: v for k, v in model['architecture'].items() if k != '_delete_'},
            quantizer=dict(type='BrevitasQuantizer', weight_bits=4, act_stats_steps=1))
        train_cfg = dict(max_epochs=2, val_interval=2)
    ''')
    work = tmp_path / 'work'
    out = dist_train(cfg, work)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    scales = [k for k in r0['state'] if k.endswith('scaling_impl.value')]
    assert len(scales) == 21 and r0['wrapped']
    for k in r0['state']:  # the quantizer state (counters, statistics) included
        torch.testing.assert_close(r0['state'][k], r1['state'][k], msg=k)
