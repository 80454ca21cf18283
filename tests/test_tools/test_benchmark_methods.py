import json

from helpers import ROOT, run_tool

TOOL = 'tools/analysis/benchmark_methods.py'


def fake_run(root, config, seed, curve, resumed_tail=None):
    """A work dir as MMEngine leaves it: the dumped config and vis_data/scalars.json."""
    root.mkdir(parents=True)
    (root / f'{config}.py').write_text(f"randomness = dict(seed={seed})\n")
    for stamp, values in (('20260101_000000', curve), ('20260102_000000', resumed_tail or {})):
        vis = root / stamp / 'vis_data'
        vis.mkdir(parents=True)
        lines = [json.dumps({'loss': 1.0, 'epoch': e, 'step': 10 * e}) for e in values]
        lines += [json.dumps({'accuracy/top1': a, 'step': e}) for e, a in values.items()]
        (vis / 'scalars.json').write_text('\n'.join(lines) + '\n')


def test_collect_groups_seeds_and_reports_last_and_best(tmp_path):
    fake_run(tmp_path / 'gpu' / 'kd_a' / 's0', 'kd_r32x4_r8x4', 0, {1: 50.0, 2: 70.0, 3: 69.0})
    # resumed after epoch 2: the later file wins for the epochs it repeats
    fake_run(tmp_path / 'gpu' / 'kd_a' / 's1', 'kd_r32x4_r8x4', 1, {1: 40.0, 2: 60.0},
             resumed_tail={2: 66.0, 3: 71.0})
    fake_run(tmp_path / 'other' / 'dkd', 'dkd_r32x4_r8x4', 0, {1: 72.0, 2: 75.0})
    out = run_tool([TOOL, 'collect', str(tmp_path / 'gpu'), str(tmp_path / 'other'),
                    '--out', str(tmp_path / 'table')])
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads((tmp_path / 'table' / 'results.json').read_text())['table']
    kd = result['kd_r32x4_r8x4']
    assert kd['n'] == 2 and [r['seed'] for r in kd['runs']] == [0, 1]
    assert kd['last']['mean'] == 70.0 and kd['best']['mean'] == 70.5
    assert [r['best_epoch'] for r in kd['runs']] == [2, 3] and kd['best_epoch'] == 2.5
    assert result['dkd_r32x4_r8x4']['best']['std'] == 0.0
    md = (tmp_path / 'table' / 'results.md').read_text()
    assert '| kd_r32x4_r8x4 | 2 | 3 | 70.00 ± 1.41 | 70.50 ± 0.71 | 2.5 |' in md
    assert (tmp_path / 'table' / 'results.png').stat().st_size > 0


def test_collect_without_runs_fails_clearly(tmp_path):
    out = run_tool([TOOL, 'collect', str(tmp_path)])
    assert out.returncode != 0 and 'no finished runs' in out.stderr


def test_run_trains_missing_teachers_then_methods_and_resumes(tmp_path):
    args = [TOOL, 'run', '--configs', 'configs/multi_teacher/multi_teacher_kd_convnets_digits.py',
            'configs/demo/student_convnet_digits.py', '--seeds', '0',
            '--epochs', '1', '--work-dir', str(tmp_path), '--fresh-teachers']
    out = run_tool(args)
    assert out.returncode == 0, out.stderr[-3000:]
    # the teacher of seed 0 is a row of its own; the second teacher has a seed of its own
    teachers = sorted(p.name for p in (tmp_path / 'teachers').iterdir())
    assert teachers == ['teacher_seed100']
    table = json.loads((tmp_path / 'results.json').read_text())['table']
    assert set(table) == {'teacher_convnet_digits', 'student_convnet_digits',
                          'multi_teacher_kd_convnets_digits'}
    dumped = next((tmp_path / 'runs' / 'multi_teacher_kd_convnets_digits' / 'seed0').glob('*.py'))
    assert 'runs/teacher_convnet_digits/seed0/epoch_1.pth' in dumped.read_text()
    assert 'teachers/teacher_seed100/epoch_1.pth' in dumped.read_text()
    again = run_tool(args)
    assert again.returncode == 0 and 'seed 0 (' not in again.stdout


def test_run_builds_a_teacher_cache_once_for_all_seeds(tmp_path):
    cfg = tmp_path / 'kd_cached_small_digits.py'
    cfg.write_text(f'''_base_ = ['{ROOT}/configs/teacher_cache/kd_cached-teacher_digits.py']
train_dataloader = dict(dataset=dict(num_slots=2, dataset=dict(num_train=96)))
''')
    args = [TOOL, 'run', '--configs', str(cfg), '--seeds', '0', '1', '--epochs', '1',
            '--work-dir', str(tmp_path / 'bench'), '--fresh-teachers']
    out = run_tool(args)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count('teacher cache for kd_cached_small_digits') == 1
    meta = json.loads((tmp_path / 'bench' / 'teacher_caches' / 'kd_cached_small_digits' /
                       'meta.json').read_text())
    assert meta['complete'] and meta['num_slots'] == 2 and meta['num_samples'] == 96
    table = json.loads((tmp_path / 'bench' / 'results.json').read_text())['table']
    assert table['kd_cached_small_digits']['n'] == 2
