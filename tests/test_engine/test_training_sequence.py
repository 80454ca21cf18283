"""Teacher-assistant chains and born-again generations through tools/train_sequence.py: every
hop distils from the model the previous one exported, an interrupted sequence resumes at the
hop and epoch where it stopped, the table lists every run, and the born-again ensemble is
evaluated, exported as one model (tools/test.py, mmpretrain's init_model) and as its members."""
import json
import os
import os.path as osp
import textwrap

import pytest
import torch

from helpers import ROOT, STUDENT, TEACHER, run_tool
from mmkd.cli.training_sequence import sequence_hops
from mmkd.utils import KDConfigError

KD = osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')
ALONE = osp.join(ROOT, 'configs/demo/student_convnet_digits.py')
SMALL = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
         'train_dataloader.dataset.num_train=96', 'train_dataloader.batch_size=32',
         'randomness.deterministic=True', 'default_hooks.checkpoint.max_keep_ckpts=5']


def weights(path):
    from mmkd.utils import load_checkpoint_file  # weights-only, with mmengine's allow-list
    return load_checkpoint_file(str(path), map_location='cpu')['state_dict']


def write(folder, body):
    folder.mkdir(exist_ok=True)
    path = folder / 'sequence.py'
    path.write_text(textwrap.dedent(body))
    return path


@pytest.mark.long
def test_a_chain_distils_hop_by_hop_resumes_and_reports(tmp_path, teacher_ckpt):
    assistant = dict(STUDENT, backbone=dict(STUDENT['backbone'], widths=(12, 24)),
                     head=dict(STUDENT['head'], in_channels=24))
    config = write(tmp_path / 'cfg', f'''
        sequence = dict(
            teacher=dict(model={TEACHER!r}, checkpoint={teacher_ckpt!r}),
            hops=[dict(name='assistant', config={KD!r},
                       overrides=dict(model=dict(architecture=dict(_delete_=True,
                                                                   **{assistant!r})))),
                  dict(name='student', config={KD!r})],
            direct=True)
    ''')
    work = tmp_path / 'work'
    args = ['tools/train_sequence.py', str(config), '--work-dir', str(work),
            '--cfg-options', *SMALL]
    out = run_tool(args)
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.load(open(work / 'sequence_results.json'))
    assert [r['name'] for r in results] == ['assistant', 'student', 'direct']
    assert [r['teacher'] for r in results] == ['teacher', 'assistant', 'teacher']
    assert results[0]['params'] > results[1]['params'] == results[2]['params']
    assert '| student | assistant |' in open(work / 'sequence_results.md').read()

    # each hop's teacher is the previous hop's exported model (in its dumped config)
    from mmengine.config import Config
    dumped = Config.fromfile(str(work / 'student' / osp.basename(KD)))
    assert dumped.model.teacher_ckpt == str(work / 'assistant' / 'student.pth')
    assert dumped.model.teacher.backbone.widths == (12, 24)
    assert Config.fromfile(str(work / 'direct' / osp.basename(KD))).model.teacher_ckpt == \
        teacher_ckpt
    assert weights(work / 'assistant' / 'student.pth')['head.fc.weight'].shape == (10, 24)

    # interrupted after the student hop's first epoch: it resumes there, the assistant stays
    final = weights(work / 'student' / 'epoch_2.pth')
    assistant_time = os.path.getmtime(work / 'assistant' / 'student.pth')
    for name in ('student/result.json', 'student/epoch_2.pth', 'student/student.pth',
                 'sequence_results.json'):
        os.remove(work / name)
    (work / 'student' / 'last_checkpoint').write_text(str(work / 'student' / 'epoch_1.pth'))
    os.rename(work / 'direct', tmp_path / 'direct_done')
    refused = run_tool(args)
    assert refused.returncode == 2 and '--resume' in refused.stderr
    out = run_tool(args + ['--resume'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert os.path.getmtime(work / 'assistant' / 'student.pth') == assistant_time
    log = open(sorted((work / 'student').glob('*/*.log'))[-1]).read()
    assert 'resumed epoch: 1' in log and 'Epoch(train) [1]' not in log
    resumed = weights(work / 'student' / 'epoch_2.pth')
    for key, value in final.items():
        assert torch.equal(resumed[key], value), key


@pytest.mark.long
def test_born_again_generations_and_their_ensemble(tmp_path):
    config = write(tmp_path / 'cfg', f'''
        sequence = dict(teacher=dict(name='gen0', config={ALONE!r}),
                        generation=dict(config={KD!r}), generations=2, ensemble=True)
    ''')
    work = tmp_path / 'work'
    out = run_tool(['tools/train_sequence.py', str(config), '--work-dir', str(work),
                    '--cfg-options', *SMALL])
    assert out.returncode == 0, out.stderr[-3000:]
    results = {r['name']: r for r in json.load(open(work / 'sequence_results.json'))}
    assert list(results) == ['gen0', 'gen1', 'gen2', 'ensemble']
    assert results['gen1']['teacher'] == 'gen0' and results['gen2']['teacher'] == 'gen1'
    assert results['ensemble']['members'] == ['gen1', 'gen2']
    members = json.load(open(work / 'ensemble' / 'members.json'))
    assert [m['checkpoint'] for m in members] == [str(work / g / 'student.pth')
                                                   for g in ('gen1', 'gen2')]

    # the exported ensemble: tools/test.py gives the sequence's number; mmpretrain loads it
    # and its logits are the members' average
    ens_cfg, ens_ckpt = work / 'ensemble' / 'ensemble_config.py', work / 'ensemble' / 'ensemble.pth'
    out = run_tool(['tools/test.py', str(ens_cfg), str(ens_ckpt), '--work-dir',
                    str(tmp_path / 'test')])
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"accuracy/top1: {results['ensemble']['value']:.4f}" in out.stdout + out.stderr
    import mmkd  # noqa: F401
    from mmpretrain.apis import init_model
    ensemble = init_model(str(ens_cfg), str(ens_ckpt), device='cpu')
    gens = [init_model(m['config'], m['checkpoint'], device='cpu') for m in members]
    x = torch.randn(4, 1, 8, 8)
    expected = torch.stack([g(x, mode='tensor') for g in gens]).mean(0)
    torch.testing.assert_close(ensemble(x, mode='tensor'), expected)


def test_sequence_config_errors():
    with pytest.raises(KDConfigError, match='either hops'):
        sequence_hops(dict(teacher=dict(config='t.py')))
    with pytest.raises(KDConfigError, match='unknown key'):
        sequence_hops(dict(teacher=dict(config='t.py'), hops=[dict(config='a.py', overide={})]))
    with pytest.raises(KDConfigError, match='unique'):
        sequence_hops(dict(teacher=dict(config='t.py'),
                           hops=[dict(name='a', config='a.py'), dict(name='a', config='b.py')]))
    with pytest.raises(KDConfigError, match='generations'):
        sequence_hops(dict(teacher=dict(config='t.py'), generation=dict(config='a.py'),
                           generations=0))
    hops = sequence_hops(dict(teacher=dict(name='gen0', config='t.py'),
                              generation=dict(config='g.py'), generations=2))
    assert [(h.name, h.distils) for h in hops] == [('gen0', False), ('gen1', True),
                                                  ('gen2', True)]
