"""The first training steps of the shipped digits configs give the stored losses.

The stored values (``tests/data/step_reference.json``, made by ``tests/step_reference.py``)
are those of the core before its redesign into one teacher abstraction and an explicit
algorithm contract: the redesign must leave every loss of KD, DKD, FitNets, CRD, DML, BYOT,
the mean teacher and multi-teacher KD the same to 1e-6, before and after an optimizer step.
"""
import json

import pytest

from step_reference import CONFIGS, REFERENCE, step_losses

with open(REFERENCE) as f:
    EXPECTED = json.load(f)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_first_steps_give_the_stored_losses(name, tmp_path):
    steps = step_losses(name, tmp_path)
    assert len(steps) == len(EXPECTED[name])
    for step, (got, expected) in enumerate(zip(steps, EXPECTED[name]), 1):
        assert set(got) == set(expected), f'step {step}'
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-6), f'{name} step {step} {key}'
