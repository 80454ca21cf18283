import json

from helpers import run_tool


def test_decomposition_tool_runs_every_method_and_writes_the_table(tmp_path):
    out = run_tool(['tools/analysis/kd_decomposition.py', '--correlations', '0', '0.6',
                    '--seeds', '0', '--epochs', '3', '--teacher-per-class', '20',
                    '--student-per-class', '5', '--test-per-class', '10', '--threads', '1',
                    '--work-dir', str(tmp_path)])
    assert out.returncode == 0, out.stderr[-3000:]
    table = json.loads((tmp_path / 'results.json').read_text())['table']
    assert set(table) == {'teacher', 'CE', 'LS', 'KD', 'KD-pt', 'KD-sim', 'KD-pt+sim', 'KD-topk'}
    for method in table.values():
        assert set(method) == {'0.0', '0.6'}
        assert all(0 <= a <= 100 for cell in method.values() for a in cell['runs'])
    assert (tmp_path / 'results.png').stat().st_size > 0
    assert 'KD-pt+sim' in out.stdout
