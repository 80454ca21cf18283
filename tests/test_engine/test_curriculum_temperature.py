"""CTKD: the learnable temperature, its gradient reversal, its curriculum and its resume."""
import copy
import glob
import json
import math
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from helpers import LOGITS_KD, digits_kd_config
from mmkd.engine.hooks import curriculum_lambda
from mmkd.models.losses import DKDLoss, KLDivergence
from mmkd.utils import load_checkpoint_file
from mmkd.utils.config_errors import KDConfigError
from test_engine.test_resume import interrupt_and_resume


def ctkd_distiller():
    distiller = copy.deepcopy(LOGITS_KD)
    distiller['distill_losses']['loss_kd']['tau'] = dict(type='CurriculumTemperature')
    return distiller


def test_the_curriculum_is_the_references_cosine():
    # CosineDecay(max=0, min=-1, loops=10), 1-based epochs
    assert curriculum_lambda(1, 10) == pytest.approx(-(1 - (1 + math.cos(math.pi / 10)) / 2))
    assert curriculum_lambda(5, 10) == pytest.approx(-0.5)
    assert curriculum_lambda(10, 10) == curriculum_lambda(30, 10) == -1.0


@pytest.mark.parametrize('loss_cls, extra', [(KLDivergence, ()), (DKDLoss, (True, ))])
def test_the_temperature_ascends_the_loss_by_the_curriculum_factor(loss_cls, extra):
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(8, 10, generator=g), torch.randn(8, 10, generator=g)
    y = torch.randint(0, 10, (8, ), generator=g)
    loss = loss_cls(tau=dict(type='CurriculumTemperature'))
    temperature = loss.temperature_module
    temperature.grl_lambda = 0.0
    assert float(temperature()) == pytest.approx(1 + 20 * torch.sigmoid(torch.tensor(1.)).item())

    def grad(lam):
        temperature.grl_lambda = lam
        temperature.theta.grad = None
        loss(s, t, *([y] if extra else [])).backward()
        return temperature.theta.grad.clone()

    plain = grad(1.0)  # no reversal: the loss's own gradient
    reversed_ = grad(-0.5)
    assert plain.abs().item() > 0
    torch.testing.assert_close(reversed_, -0.5 * plain)
    # an SGD step then raises the loss (the student lowers it): the adversarial curriculum
    assert torch.sign(reversed_) == -torch.sign(plain)


def test_training_without_the_hook_is_refused():
    loss = KLDivergence(tau=dict(type='CurriculumTemperature'))
    with pytest.raises(KDConfigError, match='CurriculumTemperatureHook'):
        loss(torch.randn(2, 5), torch.randn(2, 5))
    loss.eval()  # evaluation needs no curriculum
    assert torch.isfinite(loss(torch.randn(2, 5), torch.randn(2, 5)))
    with pytest.raises(KDConfigError, match='tau'):
        KLDivergence(tau=dict(type='NoSuchTemperature'))


def ctkd_config(work_dir, teacher_ckpt, epochs=4):
    cfg = digits_kd_config(work_dir, teacher_ckpt, epochs=epochs, distiller=ctkd_distiller())
    cfg.custom_hooks = [dict(type='CurriculumTemperatureHook', loops=2)]
    return cfg


def test_the_temperature_learns_is_logged_and_resumes(tmp_path, teacher_ckpt):
    key = 'distiller.distill_losses.loss_kd.temperature_module.theta'
    full = ctkd_config(tmp_path / 'full', teacher_ckpt)
    Runner.from_cfg(full).train()
    final = load_checkpoint_file(osp.join(tmp_path / 'full', 'epoch_4.pth'))['state_dict']
    assert float(final[key]) != 1.0  # it trained
    logs = [json.loads(line) for path in
            sorted(glob.glob(str(tmp_path / 'full' / '*' / 'vis_data' / '*.json')))
            for line in open(path) if '"tau.loss_kd"' in line]
    assert logs and all(1.0 < entry['tau.loss_kd'] < 21.0 for entry in logs)

    interrupt_and_resume(lambda work_dir: ctkd_config(work_dir, teacher_ckpt), tmp_path / 'cut',
                         at=1)
    got = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_4.pth'))['state_dict']
    torch.testing.assert_close(got[key], final[key], rtol=0, atol=1e-6)
    for k in final:
        torch.testing.assert_close(got[k], final[k], rtol=0, atol=1e-6, msg=k)


def test_dkd_with_a_learnable_temperature_equals_dkd_at_that_temperature():
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(8, 10, generator=g).double(), torch.randn(8, 10, generator=g).double()
    y = torch.randint(0, 10, (8, ), generator=g)
    from mmkd.models.losses import dkd_loss
    tau = torch.tensor(3.0, dtype=torch.double, requires_grad=True)
    torch.testing.assert_close(dkd_loss(s, t, y, tau=tau), dkd_loss(s, t, y, tau=3.0))
    dkd_loss(s, t, y, tau=tau).backward()
    assert torch.isfinite(tau.grad)
