"""The README's "Train, test, export" commands, pasted in order into a fresh shell.

They run with bash -e in a copy of the checkout (tracked and untracked, non-ignored files) whose
`.venv` is this test environment's, so nothing they write lands in the real work tree.
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT


def readme_block(heading):
    text = open(osp.join(ROOT, 'README.md'), encoding='utf-8').read()
    section = text.split(f'## {heading}\n', 1)[1]
    return re.search(r'```bash\n(.*?)```', section, re.S).group(1)


def copy_checkout(dst):
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if osp.isfile(osp.join(ROOT, rel)):
            os.makedirs(osp.dirname(osp.join(dst, rel)) or dst, exist_ok=True)
            shutil.copy2(osp.join(ROOT, rel), osp.join(dst, rel))
    venv = osp.dirname(osp.dirname(sys.executable))
    os.symlink(venv, osp.join(dst, '.venv'))


@pytest.mark.long
def test_train_test_export_commands_work_as_pasted(tmp_path):
    block = readme_block('Train, test, export')
    assert '. .venv/bin/activate' in block.splitlines()[0]
    checkout = tmp_path / 'checkout'
    copy_checkout(str(checkout))
    env = {k: v for k, v in os.environ.items() if k not in ('VIRTUAL_ENV', 'PYTHONPATH')}
    env.update(OMP_NUM_THREADS='1', PATH='/usr/bin:/bin')  # a fresh shell: no venv active
    out = subprocess.run(['bash', '-e', '-c', block], cwd=checkout, env=env,
                         capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    work = checkout / 'work_dirs'
    for path in ('teacher_convnet_digits/epoch_40.pth',
                 'kd_convnet-teacher_convnet-student_digits/epoch_40.pth', 'kd_preds.pkl',
                 'kd_2proc/epoch_40.pth', 'student.pth', 'student_config.py', 'curves.png'):
        assert (work / path).is_file(), path
    assert out.stdout.count('accuracy/top1') + out.stderr.count('accuracy/top1') >= 3
    assert 'is complete (epoch 40 of 40' in out.stdout  # the --resume of a finished run

    # then the teacher-output cache's two commands, on the teacher trained above
    cache_block = readme_block('Teacher-output cache')
    out = subprocess.run(['bash', '-e', '-c', '. .venv/bin/activate\n' + cache_block],
                         cwd=checkout, env=env, capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    assert (work / 'teacher_cache/digits_convnet_top5/meta.json').is_file()
    assert (work / 'kd_cached-teacher_digits/epoch_40.pth').is_file()
