"""Data-free distillation as a user runs it: tools/train.py on the shipped data-free configs,
with the training split made unreadable (nothing of it may be loaded), resumed to the
uninterrupted run's weights and optimizer states, exported, and on two CPU processes with
the generator and the student identical on both ranks."""
import os
import textwrap

import pytest
import torch

from helpers import ROOT, TEACHER, run_tool
from test_engine.test_distributed import DUMP_HOOK, dist_train

# Loading the digits training split fails: a data-free run must never need it.
NO_TRAINING_SET = textwrap.dedent('''
    from mmkd.datasets import DigitsDataset

    _load = DigitsDataset.load_data_list

    def load_data_list(self):
        if self.split == 'train':
            raise RuntimeError('the training set was read')
        return _load(self)

    DigitsDataset.load_data_list = load_data_list
''')


def write_config(folder, teacher_ckpt, method='dfad', epochs=2, extra=''):
    folder.mkdir(exist_ok=True)
    (folder / 'no_training_set.py').write_text(NO_TRAINING_SET)
    (folder / 'dump_hook.py').write_text(DUMP_HOOK)
    base = os.path.join(ROOT, f'configs/data_free/{method}_convnet-teacher_convnet-student_digits.py')
    path = folder / f'{method}_small.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = [{base!r}]
        custom_imports = dict(imports=['no_training_set', 'dump_hook'],
                              allow_failed_imports=False)
        model = dict(teacher=dict(_delete_=True, **{TEACHER!r}), teacher_ckpt={teacher_ckpt!r},
                     generator=dict(latent_dim=16, hidden_channels=16))
        train_dataloader = dict(batch_size=16, dataset=dict(num_samples=48))
        train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
        param_scheduler = dict(architecture=[dict(type='CosineAnnealingLR', T_max={epochs},
                                                  by_epoch=True)])
        default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=5))
        randomness = dict(seed=0, deterministic=True)
    ''') + textwrap.dedent(extra))
    return path


def state(path):
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.mark.long
@pytest.mark.parametrize('method', ['dfad', 'dafl'])
def test_trains_without_the_training_set_resumes_and_exports(tmp_path, teacher_ckpt, method):
    config = write_config(tmp_path / 'cfg', teacher_ckpt, method, epochs=3)
    full, cut = tmp_path / 'full', tmp_path / 'cut'
    out = run_tool(['tools/train.py', str(config), '--work-dir', str(full)])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'accuracy/top1' in out.stdout + out.stderr  # validated on the real test split
    first, last = state(full / 'epoch_1.pth'), state(full / 'epoch_3.pth')
    for part in ('architecture.head.fc.weight', 'generator.fc.weight'):
        assert not torch.equal(first['state_dict'][part], last['state_dict'][part]), part
    assert not any(k.startswith('teacher.') for k in last['state_dict'])
    assert set(last['optimizer']) >= {'architecture', 'generator'}

    # the training split really is unreadable here
    probe = run_tool(['-c', 'import no_training_set; from mmkd.datasets import DigitsDataset;'
                      ' DigitsDataset(split="train")'], env=dict(PYTHONPATH=str(config.parent)))
    assert 'the training set was read' in probe.stderr

    out = run_tool(['tools/train.py', str(config), '--work-dir', str(cut),
                    '--resume', str(full / 'epoch_1.pth')])
    assert out.returncode == 0, out.stderr[-3000:]
    resumed = state(cut / 'epoch_3.pth')
    assert resumed['state_dict'].keys() == last['state_dict'].keys()
    for key, value in last['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
    for name in ('architecture', 'generator'):  # both optimizers' moments, as uninterrupted
        for (_, a), (_, b) in zip(sorted(resumed['optimizer'][name]['state'].items()),
                                  sorted(last['optimizer'][name]['state'].items())):
            for k in a:
                assert torch.equal(torch.as_tensor(a[k]), torch.as_tensor(b[k])), (name, k)

    student = tmp_path / 'student.pth'
    out = run_tool(['tools/model_converters/extract_student.py', str(full / 'epoch_3.pth'),
                    str(student), '--config', str(config), '--out-config',
                    str(tmp_path / 'student_config.py')])
    assert out.returncode == 0, out.stderr[-3000:]
    assert all(not k.startswith(('generator', 'teacher'))
               for k in state(student)['state_dict'])
    out = run_tool(['tools/test.py', str(config), str(full / 'epoch_3.pth'),
                    '--work-dir', str(tmp_path / 'test')])
    assert out.returncode == 0, out.stderr[-3000:]
    if method == 'dfad':  # the generator is listed with its noise as input
        out = run_tool(['tools/analysis/inspect_model.py', str(config)])
        assert out.returncode == 0, out.stderr[-3000:]
        assert '== generator: DCGANGenerator, input (2, 16)' in out.stdout


@pytest.mark.long
def test_two_processes_keep_the_generator_and_student_identical(tmp_path, teacher_ckpt):
    config = write_config(tmp_path / 'cfg', teacher_ckpt, 'dfad', epochs=2, extra='''
        custom_hooks = [dict(type='SyncBuffersHook'), dict(type='DumpWeights')]
    ''')
    work = tmp_path / 'work'
    out = dist_train(config, work)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-4000:])
    r0, r1 = (torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1))
    assert r0['world_size'] == 2 and r0['wrapped']
    start = state(work / 'epoch_1.pth')['state_dict']
    for key in r0['state']:
        if key.startswith(('generator.', 'architecture.')) and 'num_batches' not in key:
            torch.testing.assert_close(r0['state'][key], r1['state'][key], msg=key)
    # the generator trained (it is not identical merely for never moving)
    assert not torch.equal(r0['state']['generator.fc.weight'], start['generator.fc.weight'])
