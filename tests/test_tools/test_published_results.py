"""One source for every published digits number: docs/results/digits.json, rendered into the
README, docs/ and the method READMEs between their markers."""
import json
import os.path as osp

import pytest

from mmkd.analysis.published_results import markers, render_text
from mmkd.utils import KDConfigError

from helpers import ROOT, run_tool

DATA = dict(
    metric='accuracy/top1', protocol=dict(seeds=[0, 1]),
    table={name: dict(n=2, epochs=[40], last=dict(mean=m, std=0.5), best=dict(mean=m + 1, std=0.25),
                      best_epoch=30.0, runs=[dict(seed=0, last=m - 0.5, best=m, best_epoch=30),
                                             dict(seed=1, last=m + 0.5, best=m + 2, best_epoch=30)])
           for name, m in (('teacher_convnet_digits', 99.0), ('student_convnet_digits', 90.0),
                           ('kd_convnet-teacher_convnet-student_digits', 95.0),
                           ('at_convnet-teacher_convnet-student_digits', 91.0))})


def test_markers_are_filled_from_the_results():
    text = ('KD gives <!-- results: value kd_convnet-teacher_convnet-student_digits -->old'
            '<!-- /results --> (best <!-- results: value kd_convnet-teacher_convnet-student_'
            'digits best -->x<!-- /results -->).\n<!-- results: method at_convnet-teacher_'
            'convnet-student_digits -->\nstale\n<!-- /results -->\n<!-- results: demo -->'
            '<!-- /results -->')
    out = render_text(text, DATA, 'X.md')
    assert 'KD gives <!-- results: value kd_convnet-teacher_convnet-student_digits -->95.00 ± ' \
           '0.50<!-- /results --> (best <!-- results: value kd_convnet-teacher_convnet-' \
           'student_digits best -->96.00 ± 0.25<!-- /results -->)' in out
    assert 'student alone 90.00 ± 0.50, vanilla KD 95.00 ± 0.50, this method **91.00 ± 0.50** ' \
           '(best epoch: 92.00 ± 0.25)' in out and 'stale' not in out
    assert '| student + KD (τ=4, 0.9 KD + 0.1 CE) | **95.00 ± 0.50** | 94.50 95.50 |' in out
    assert render_text(out, DATA, 'X.md') == out  # rendering again changes nothing
    with pytest.raises(KDConfigError, match="X.md: docs/results/digits.json has no results for "
                                            "'nope'"):
        render_text('<!-- results: value nope --><!-- /results -->', DATA, 'X.md')


def test_the_docs_agree_with_the_published_results():
    found = markers(ROOT)
    files = {osp.relpath(p, ROOT) for p in found}
    # the README's demo table, the results page and the method READMEs all come from it
    assert 'README.md' in files and 'docs/results_digits.md' in files
    assert 'configs/kd/README.md' in files
    out = run_tool(['tools/analysis/benchmark_methods.py', 'render', '--check'])
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    data = json.load(open(osp.join(ROOT, 'docs/results/digits.json')))
    assert data['protocol']['seeds'] == [0, 1, 2]
