"""The KD decomposition study: its generative model and oracle teacher, KD-sim's target and
temperature, one setting end to end, and the command."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from helpers import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))  # the study lives beside its tool
from kd_decomposition_study import (METHODS, calibrate_sim_tau, make_setting,  # noqa: E402
                                    relation_agreement, run_setting)
from oracle_teacher import GaussianOracle  # noqa: E402
from mmkd.datasets import HierarchicalGaussians
from mmkd.models.losses.partial_kd import sim_target

from helpers import run_tool


def direct_log_posterior(model, x):
    """log N(x; mu_c, sigma_c^2 I), normalised over c, written out."""
    d = x.shape[1]
    logp = np.stack([-((x - m) ** 2).sum(1) / (2 * s**2) - d * np.log(s) - d / 2 * np.log(2 * np.pi)
                     for m, s in zip(model.means, model.sigmas)], 1)
    return logp - np.logaddexp.reduce(logp, axis=1, keepdims=True)


@pytest.mark.parametrize('spread', [0.0, 0.5])
def test_oracle_teacher_outputs_the_exact_posterior(spread):
    model = HierarchicalGaussians(num_superclasses=2, classes_per_superclass=3, dim=5,
                                  correlation=0.5, noise=1.2, noise_spread=spread, means_seed=3)
    x, y, y_true = model.sample(50, seed=1)
    expected = direct_log_posterior(model, x.astype(np.float64))
    np.testing.assert_allclose(model.log_posterior(x), expected, atol=1e-9)
    oracle = GaussianOracle(model)
    got = torch.log_softmax(oracle(torch.from_numpy(x)).double(), 1).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # its templates hold the true class relations; confidence c scales the log-posterior
    assert relation_agreement(oracle.head.fc.weight, model.class_similarity()) == \
        pytest.approx(1.0, abs=1e-6)
    sharp = GaussianOracle(model, confidence=3.0)(torch.from_numpy(x))
    torch.testing.assert_close(torch.softmax(sharp, 1),
                               torch.softmax(3 * torch.from_numpy(expected).float(), 1),
                               atol=1e-4, rtol=1e-4)
    assert (np.unique(model.sigmas).size == 1) == (spread == 0.0)


def test_label_noise_flips_the_asked_fraction_to_other_classes():
    model = HierarchicalGaussians(correlation=0.3, means_seed=0)
    x, y, y_true = model.sample(200, seed=4, label_noise=0.3)
    flipped = y != y_true
    assert flipped.mean() == pytest.approx(0.3, abs=0.03)
    clean_x, clean_y, clean_true = model.sample(200, seed=4)
    assert np.array_equal(clean_y, clean_true) and np.array_equal(clean_x, x)


def test_kd_sim_target_is_the_docstring_definition_by_hand():
    # rows (1,0), (0,1), (1,1): cosines 0 and 1/sqrt(2) to the third
    weight = torch.tensor([[1.0, 0.0], [0.0, 3.0], [2.0, 2.0]])
    q = sim_target(weight, torch.tensor([0, 2]), sim_tau=0.5)
    # label 0: softmax([1, 0, 0.7071] / 0.5) = exp(2), exp(0), exp(1.4142) normalised;
    # label 2: softmax([0.7071, 0.7071, 1] / 0.5)
    torch.testing.assert_close(q[0], torch.tensor([0.5910, 0.0800, 0.3290]), atol=1e-4, rtol=0)
    torch.testing.assert_close(q[1], torch.tensor([0.2634, 0.2634, 0.4732]), atol=1e-4, rtol=0)


def test_sim_tau_is_calibrated_to_the_teachers_mass_on_the_label():
    weight = torch.randn(20, 16, generator=torch.Generator().manual_seed(0))
    labels = np.arange(20).repeat(3)
    for target in (0.1, 0.35, 0.8):
        tau = calibrate_sim_tau(weight, labels, target)
        mass = sim_target(weight, torch.as_tensor(labels), tau).gather(
            1, torch.as_tensor(labels)[:, None]).mean()
        assert mass.item() == pytest.approx(target, abs=1e-6)


def test_one_setting_trains_every_method_with_an_oracle_teacher(tmp_path):
    tiny = dict(correlation=0.6, label_noise=0.2, epochs=3, student_per_class=5,
                test_per_class=20, dim=8)
    result = run_setting(tiny, seed=0, workdir=str(tmp_path))
    assert set(METHODS) <= set(result)
    assert result['teacher'] == result['bayes']  # the oracle is the Bayes classifier
    assert 0 < result['teacher_label_mass'] < 1 and result['teacher_relations'] > 0.999
    assert all(0 <= result[m] <= 100 for m in METHODS)
    # the same setting and seed give the same numbers, whatever ran before in the process
    torch.rand(7)
    again = run_setting(tiny, seed=0, methods=['CE', 'KD'], workdir=str(tmp_path))
    assert again['CE'] == result['CE'] and again['KD'] == result['KD']
    with pytest.raises(ValueError, match='unknown setting'):
        make_setting(rho=0.5)


def test_the_command_runs_a_sweep_and_writes_tables_and_plots(tmp_path):
    out = run_tool(['tools/analysis/kd_decomposition.py', '--sweeps', 'failure', '--seeds', '0',
                    '--jobs', '1', '--set', 'epochs=2', 'teacher_per_class=10',
                    'student_per_class=5', 'test_per_class=10', 'dim=8',
                    '--work-dir', str(tmp_path)])
    assert out.returncode == 0, out.stderr[-3000:]
    cells = json.loads((tmp_path / 'failure.json').read_text())['cells']
    assert set(cells) == {'MLP', 'MLP + LS 0.3', 'MLP x3', 'oracle', 'oracle x3'}
    for cell in cells.values():
        assert set(METHODS) <= set(cell) and all(0 <= a <= 100 for a in cell['KD']['runs'])
    assert (tmp_path / 'failure.png').stat().st_size > 0
    assert '| KD-pt+sim |' in (tmp_path / 'results.md').read_text()
    bad = run_tool(['tools/analysis/kd_decomposition.py', '--sweeps', 'nope'])
    assert bad.returncode != 0 and 'unknown sweep' in bad.stderr
