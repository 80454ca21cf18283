"""mmkd's losses against values computed by the reference implementations' own code
(``tests/data/make_loss_reference.py``)."""
import json
import os.path as osp
import sys

import pytest

from mmkd.models.losses import DKDLoss, KLDivergence

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
sys.path.insert(0, DATA)
from make_loss_reference import reference_logits  # noqa: E402

with open(osp.join(DATA, 'loss_reference.json')) as f:
    CASES = json.load(f)['cases']


@pytest.mark.parametrize('case', CASES, ids=lambda c: f'seed{c["seed"]}-tau{c["tau"]}')
def test_kd_and_dkd_match_mdistiller(case):
    s, t, y = reference_logits(case['seed'])
    kd = KLDivergence(tau=case['tau'])(s, t)
    assert kd.item() == pytest.approx(case['kd'], rel=1e-5)
    dkd = DKDLoss(tau=case['tau'], alpha=case['alpha'], beta=case['beta'])(s, t, y)
    assert dkd.item() == pytest.approx(case['dkd'], rel=1e-5)
