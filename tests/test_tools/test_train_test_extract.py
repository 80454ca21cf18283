"""The command-line tools, run as a user runs them."""
import os.path as osp
import textwrap

import torch

from helpers import ROOT, TEACHER, run_tool

KD_CONFIG = osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')


def write_config(tmp_path, teacher_ckpt, body='', model_extra=''):
    """A config that inherits the repository's KD config and trains briefly.

    ``model_extra`` is inserted into the ``model`` dict; ``body`` is appended to the file.
    """
    path = tmp_path / 'cfg.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = [{KD_CONFIG!r}]
        model = dict(
            teacher=dict(_delete_=True, **{TEACHER!r}),
            teacher_ckpt={teacher_ckpt!r},
            architecture=dict(
                _delete_=True, _scope_='mmpretrain', type='ImageClassifier',
                backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8,
                              base_channels=8),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
                          loss=dict(type='CrossEntropyLoss', loss_weight=0.1))),
            {model_extra})
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=96))
        train_cfg = dict(max_epochs=1, val_interval=1)
        param_scheduler = dict(T_max=1)
        default_hooks = dict(logger=dict(interval=1))
        randomness = dict(seed=0, deterministic=True)
    ''') + textwrap.dedent(body))
    return str(path)


def test_train_test_and_extract_student_for_mmpretrain(tmp_path, teacher_ckpt):
    cfg = write_config(tmp_path, teacher_ckpt)
    work = tmp_path / 'work'
    out = run_tool(['tools/train.py', cfg, '--work-dir', str(work)])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'distill.loss_kd' in log and 'student.loss' in log
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()

    out = run_tool(['tools/test.py', cfg, str(ckpt), '--work-dir', str(tmp_path / 'test'),
                    '--out', str(tmp_path / 'preds.pkl')])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'accuracy/top1' in out.stdout + out.stderr
    assert (tmp_path / 'preds.pkl').is_file()

    student_ckpt, student_cfg = tmp_path / 'student.pth', tmp_path / 'student_cfg.py'
    out = run_tool(['tools/model_converters/extract_student.py', str(ckpt), str(student_ckpt),
                    '--config', cfg, '--out-config', str(student_cfg)])
    assert out.returncode == 0, out.stderr[-3000:]

    # The distilled student's logits, computed through mmkd ...
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    from mmkd.registry import MODELS
    kd = MODELS.build(Config.fromfile(cfg).model)
    load_checkpoint(kd, str(ckpt), map_location='cpu')
    kd.eval()
    x = torch.randn(4, 1, 8, 8)
    torch.save(x, tmp_path / 'x.pth')
    with torch.no_grad():
        expected = kd.student(x, mode='tensor')

    # ... equal the deployed model's, loaded by mmpretrain alone in a fresh process.
    script = textwrap.dedent(f'''
        import sys, torch
        from mmpretrain.apis import init_model
        model = init_model({str(student_cfg)!r}, {str(student_ckpt)!r}, device='cpu')
        assert not any(m == 'mmkd' or m.startswith('mmkd.') for m in sys.modules), 'mmkd imported'
        with torch.no_grad():
            out = model(torch.load({str(tmp_path / 'x.pth')!r}), mode='tensor')
        torch.save(out, {str(tmp_path / 'y.pth')!r})
    ''')
    out = run_tool(['-c', script])
    assert out.returncode == 0, out.stderr[-3000:]
    torch.testing.assert_close(torch.load(tmp_path / 'y.pth'), expected)


def test_custom_components_through_custom_imports(tmp_path, teacher_ckpt):
    (tmp_path / 'my_kd_ext.py').write_text(textwrap.dedent('''
        import torch.nn as nn
        from mmkd.registry import MODELS
        from mmkd.models.connectors import BaseConnector

        @MODELS.register_module()
        class MyL1Loss(nn.Module):
            def __init__(self, loss_weight=1.0):
                super().__init__()
                self.loss_weight = loss_weight
            def forward(self, preds_S, preds_T, gt_labels):
                assert gt_labels.dtype.is_floating_point is False
                return self.loss_weight * (preds_S - preds_T.detach()).abs().mean()

        @MODELS.register_module()
        class MyLinearConnector(BaseConnector):
            def __init__(self, dim):
                super().__init__()
                self.fc = nn.Linear(dim, dim)
            def forward_train(self, x):
                return self.fc(x)
    '''))
    cfg = write_config(tmp_path, teacher_ckpt, body='''
custom_imports = dict(imports=['my_kd_ext'], allow_failed_imports=False)
''', model_extra='''distiller=dict(
            _delete_=True,
            type='ConfigurableDistiller',
            student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
            teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
            connectors=dict(proj=dict(type='MyLinearConnector', dim=10)),
            distill_losses=dict(loss_mine=dict(type='MyL1Loss', loss_weight=2.0)),
            loss_forward_mappings=dict(loss_mine=dict(
                preds_S=dict(recorder='logits', from_student=True, connector='proj'),
                preds_T=dict(recorder='logits', from_student=False))))''')
    # The module lies beside the config: found without PYTHONPATH.
    out = run_tool(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'distill.loss_mine' in out.stdout + out.stderr


def test_a_custom_module_that_cannot_be_found_is_named_with_the_fix(tmp_path, teacher_ckpt):
    cfg = write_config(tmp_path, teacher_ckpt, body="""
custom_imports = dict(imports=['not_my_kd_ext'], allow_failed_imports=False)
""")
    out = run_tool(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')])
    assert out.returncode == 2
    last = out.stderr.strip().splitlines()[-2]
    assert 'custom_imports' in last and 'not_my_kd_ext' in last and 'PYTHONPATH' in last


def test_bad_config_fails_before_training_with_a_useful_message(tmp_path, teacher_ckpt):
    cfg = write_config(
        tmp_path, teacher_ckpt,
        model_extra="distiller=dict(distill_losses=dict(loss_kd=dict(type='KLDiv')))")
    out = run_tool(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')])
    assert out.returncode == 2
    # The message is the last thing printed, on its own, without a traceback ...
    lines = out.stderr.strip().splitlines()
    assert lines[-2] == ("mmkd: config error: model.distiller.distill_losses.loss_kd.type='KLDiv' "
                         "is not registered in mmkd. Did you mean 'KLDivergence'?")
    assert 'MMKD_DEBUG=1' in lines[-1]
    assert 'Traceback' not in out.stderr and 'class `' not in out.stderr
    # Nothing of the environment or config dump before it (the runner logs them after the model).
    assert len((out.stdout + out.stderr).strip().splitlines()) < 10, out.stdout + out.stderr
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()
    # ... which is there for those who ask.
    out = run_tool(['tools/train.py', cfg, '--work-dir', str(tmp_path / 'work')],
                   env=dict(MMKD_DEBUG='1'))
    assert out.returncode == 2 and 'Traceback' in out.stderr
    # with MMKD_DEBUG set, no footer telling to set it: the message is the last line
    assert out.stderr.strip().splitlines()[-1].startswith('mmkd: config error: model.distiller')


def test_known_harmless_stack_warnings_are_not_printed(tmp_path, teacher_ckpt):
    out = run_tool(['tools/train.py', write_config(tmp_path, teacher_ckpt), '--work-dir',
                    str(tmp_path / 'work')])
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    for noise in ('MultiScaleDeformableAttention', 'FileClient', 'HardDiskBackend',
                  'pkg_resources is deprecated'):
        assert noise not in log, noise


def test_print_config_shows_the_resolved_models(tmp_path):
    cfg = osp.join(ROOT, 'configs/kd/kd_resnet32x4_resnet8x4_cifar100.py')
    out = run_tool(['tools/misc/print_config.py', cfg])
    assert out.returncode == 0, out.stderr[-3000:]
    assert "cfg_path='mmkd::_base_/models/cifar/resnet8x4.py'" in out.stdout
    out = run_tool(['tools/misc/print_config.py', cfg, '--expand-models', '--cfg-options',
                    'model.distiller.distill_losses.loss_kd.tau=2.0'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'cfg_path' not in out.stdout and "type='mmkd.CifarResNet'" in out.stdout
    assert 'tau=2.0' in out.stdout
    out = run_tool(['tools/misc/print_config.py', str(tmp_path / 'nope.py')])
    assert out.returncode == 2 and 'does not exist' in out.stderr


def test_launch_scripts_explain_themselves():
    import subprocess
    for script, args in (('tools/dist_train.sh', []), ('tools/dist_test.sh', ['cfg.py', 'x'])):
        out = subprocess.run(['bash', script, *args], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 2 and out.stderr.startswith(f'usage: {script} CONFIG')
    out = subprocess.run(['bash', 'tools/dist_train.sh', 'cfg.py', '2'], cwd=ROOT,
                         capture_output=True, text=True,
                         env=dict(PATH='/usr/bin:/bin', PYTHON='/bin/false'))
    assert out.returncode == 2 and 'cannot import torch and mmkd' in out.stderr


def test_test_tool_evaluates_the_named_models_of_any_algorithm(tmp_path):
    """``tools/test.py --models NAME`` evaluates a peer (or a teacher, an exit) by name."""
    cfg = tmp_path / 'dml.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{osp.join(ROOT, 'configs/dml/dml_convnet-peers_digits.py')!r}]
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=64))
        train_cfg = dict(max_epochs=1, val_interval=1)
        param_scheduler = dict(T_max=1)
    '''))
    out = run_tool(['tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'w')])
    assert out.returncode == 0, out.stderr[-3000:]
    ckpt = str(tmp_path / 'w' / 'epoch_1.pth')
    out = run_tool(['tools/test.py', str(cfg), ckpt, '--work-dir', str(tmp_path / 't'),
                    '--models', 'peer2'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'peer2/accuracy/top1' in out.stdout + out.stderr
    out = run_tool(['tools/test.py', str(cfg), ckpt, '--work-dir', str(tmp_path / 't'),
                    '--models', 'peer3'])
    assert out.returncode == 2
    assert "has no model 'peer3' to evaluate. Did you mean 'peer2'?" in out.stderr
