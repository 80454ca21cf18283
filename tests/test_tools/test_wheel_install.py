"""mmkd from a wheel in a fresh virtual environment, used from a folder outside the repository.

The wheel is built from the checkout and installed without dependencies into a new venv; the
dependencies (torch, mmengine, mmpretrain, ...) come from the test environment's
site-packages through a ``.pth`` file written after the install, so nothing is downloaded and
the editable install of the checkout is not visible there (its finder is in a ``.pth`` file
that Python does not process outside site directories).
"""
import glob
import os.path as osp
import subprocess
import sys
import sysconfig
import textwrap

import pytest

from helpers import ROOT

DIGITS_KD = '''
_base_ = ['mmkd::_base_/datasets/digits.py', 'mmkd::_base_/schedules/digits_40e.py',
          'mmkd::_base_/default_runtime.py', 'mmkd::_base_/distillers/kd.py']
model = dict(
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::demo/student_convnet_digits.py'),
    teacher=dict(cfg_path='mmkd::demo/teacher_convnet_digits.py'),
    teacher_ckpt='teacher/epoch_1.pth',
    distiller={{_base_.distiller}})
train_dataloader = dict(dataset=dict(num_train=64))
train_cfg = dict(max_epochs=1)
'''


def run(args, cwd, timeout=600):
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env=dict(PATH='/usr/bin:/bin', OMP_NUM_THREADS='1', HOME=str(cwd)))
    assert out.returncode == 0, (args, out.stdout[-3000:], out.stderr[-3000:])
    return out.stdout + out.stderr


@pytest.fixture(scope='module')
def wheel_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp('wheel')
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(root / 'dist'), ROOT], cwd=root)
    wheel, = glob.glob(str(root / 'dist' / 'mmkd-*.whl'))
    venv = root / 'venv'
    run([sys.executable, '-m', 'venv', str(venv)], cwd=root)
    py = str(venv / 'bin' / 'python')
    run([py, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', wheel], cwd=root)
    site = run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
               cwd=root).strip()
    with open(osp.join(site, 'test_dependencies.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    return root, venv


def test_wheel_ships_configs_and_commands(wheel_venv):
    root, venv = wheel_venv
    py = str(venv / 'bin' / 'python')
    where = run([py, '-c', 'import mmkd, os; print(os.path.dirname(mmkd.__file__))'],
                cwd=root).strip()
    assert where.startswith(str(venv)), where
    assert osp.isfile(osp.join(where, '.mim', 'configs', '_base_', 'default_runtime.py'))
    for command in ('mmkd-train', 'mmkd-test', 'mmkd-extract-student', 'mmkd-print-config',
                    'mmkd-inspect', 'mmkd-train-sequence', 'mmkd-export-onnx'):
        assert (venv / 'bin' / command).is_file(), command
    # a packaged sequence config and the packaged configs of its hops
    hops = run([py, '-c', 'from mmkd.cli.common import load_config; '
                'from mmkd.cli.training_sequence import load_sequence, sequence_hops; '
                'hops = sequence_hops(load_sequence("mmkd::sequential/born_again_convnet_digits.py")); '
                'print([load_config(h.config).model.type for h in hops])'], cwd=root).strip()
    assert ("['ImageClassifier', 'SingleTeacherDistill', 'SingleTeacherDistill', "
            "'SingleTeacherDistill']") in hops, hops


@pytest.mark.long
def test_distillation_from_a_folder_outside_the_repo_with_the_wheel(wheel_venv):
    root, venv = wheel_venv
    work = root / 'user'
    work.mkdir()
    (work / 'teacher.py').write_text(textwrap.dedent('''
        _base_ = ['mmkd::demo/teacher_convnet_digits.py']
        train_cfg = dict(max_epochs=1)
    '''))
    (work / 'kd.py').write_text(DIGITS_KD)
    bin_ = venv / 'bin'
    run([str(bin_ / 'mmkd-train'), 'teacher.py', '--work-dir', 'teacher'], cwd=work)
    log = run([str(bin_ / 'mmkd-train'), 'kd.py', '--work-dir', 'kd'], cwd=work)
    assert 'distill.loss_kd' in log
    log = run([str(bin_ / 'mmkd-test'), 'kd.py', 'kd/epoch_1.pth', '--work-dir', 'kd_test'],
              cwd=work)
    assert 'accuracy/top1' in log
    run([str(bin_ / 'mmkd-extract-student'), 'kd/epoch_1.pth', 'student.pth', '--config',
         'kd.py', '--out-config', 'student_cfg.py'], cwd=work)
    log = run([str(bin_ / 'mmkd-test'), 'student_cfg.py', 'student.pth', '--work-dir', 'st'],
              cwd=work)
    assert 'accuracy/top1' in log
    log = run([str(bin_ / 'mmkd-export-onnx'), 'student_cfg.py', 'student.pth', 'student.onnx',
               '--check-samples', '64'], cwd=work)
    assert 'top-1 agreement 100.00 % on 64 images' in log and (work / 'student.onnx').is_file()
    printed = run([str(bin_ / 'mmkd-print-config'), 'kd.py', '--expand-models'], cwd=work)
    assert "'mmkd.SimpleConvNet'" in printed and 'cfg_path' not in printed


def test_without_mmcv_a_command_says_in_one_line_what_to_install(wheel_venv):
    root, venv = wheel_venv
    py = str(venv / 'bin' / 'python')
    # the console script's own entry point, in an environment whose mmcv cannot be imported
    script = ("import sys; sys.modules['mmcv'] = None; sys.argv = ['mmkd-train', 'kd.py']; "
              "from mmkd.cli.train import cli; cli()")
    out = subprocess.run([py, '-c', script], cwd=root, capture_output=True, text=True,
                         timeout=300, env=dict(PATH='/usr/bin:/bin', HOME=str(root)))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('mmkd: mmcv cannot be imported')
    assert 'pip install "mmkd[lite]"' in lines[0]
    extras = run([py, '-c', 'import importlib.metadata as m; '
                  'print(m.metadata("mmkd").get_all("Provides-Extra"))'], cwd=root)
    assert 'lite' in extras and 'tensorboard' in extras and 'deploy' in extras
    assert (venv / 'bin' / 'mmkd-plot-curves').is_file()
