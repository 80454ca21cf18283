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
from mmkd.models.losses import DKDLoss, KLDivergence, dkd_loss
from mmkd.utils import load_checkpoint_file
from mmkd.utils.config_errors import KDConfigError
from test_engine.test_resume import interrupt_and_resume


GLOBAL = dict(type='CurriculumTemperature')
# one temperature per sample of the digits' 10-class logits
INSTANCE = dict(type='CurriculumTemperature', instance=True, num_classes=10)


def ctkd_distiller(tau=GLOBAL):
    distiller = copy.deepcopy(LOGITS_KD)
    distiller['distill_losses']['loss_kd']['tau'] = copy.deepcopy(tau)
    return distiller


def batch(seed=0, dtype=torch.float):
    g = torch.Generator().manual_seed(seed)
    s, t = torch.randn(8, 10, generator=g), torch.randn(8, 10, generator=g)
    return s.to(dtype), t.to(dtype), torch.randint(0, 10, (8, ), generator=g)


def test_the_curriculum_is_the_references_cosine():
    # CosineDecay(max=0, min=-1, loops=10), 1-based epochs
    assert curriculum_lambda(1, 10) == pytest.approx(-(1 - (1 + math.cos(math.pi / 10)) / 2))
    assert curriculum_lambda(5, 10) == pytest.approx(-0.5)
    assert curriculum_lambda(10, 10) == curriculum_lambda(30, 10) == -1.0


def test_the_global_temperature_starts_at_the_references_value():
    temperature = KLDivergence(tau=GLOBAL).temperature_module
    temperature.grl_lambda = 0.0
    expected = 1 + 20 * torch.sigmoid(torch.tensor(1.)).item()
    assert float(temperature().detach()) == pytest.approx(expected)


@pytest.mark.parametrize('tau', [GLOBAL, INSTANCE], ids=['global', 'instance'])
@pytest.mark.parametrize('loss_cls', [KLDivergence, DKDLoss])
def test_the_temperature_ascends_the_loss_by_the_curriculum_factor(loss_cls, tau):
    s, t, y = batch()
    s.requires_grad_()
    loss = loss_cls(tau=tau)
    temperature = loss.temperature_module
    params = list(temperature.parameters())

    def grad(lam):
        temperature.grl_lambda = lam
        for x in params + [s]:
            x.grad = None
        loss(s, t, *([y] if loss_cls is DKDLoss else [])).backward()
        return [p.grad.clone() for p in params], s.grad.clone()

    plain, s_plain = grad(1.0)  # no reversal: the loss's own gradient
    reversed_, s_reversed = grad(-0.5)
    assert all(g.abs().sum() > 0 for g in plain)  # every parameter of the MLP too
    for r, p in zip(reversed_, plain):
        torch.testing.assert_close(r, -0.5 * p)  # an SGD step then raises the loss
    # the reversal reaches the temperature only: the student's gradient does not change
    torch.testing.assert_close(s_reversed, s_plain)


def test_instance_temperatures_are_one_per_sample_within_the_range():
    s, t, _ = batch()
    temperature = KLDivergence(tau=dict(INSTANCE, t_start=2.0, t_range=3.0)).temperature_module
    temperature.grl_lambda = -1.0
    tau = temperature(s, t)
    assert tau.shape == (8, 1) and tau.unique().numel() == 8
    assert bool(((tau > 2.0) & (tau < 5.0)).all())
    assert temperature.value() == pytest.approx(float(tau.mean()))
    # the MLP reads both sides' class probabilities: other logits, other temperatures
    assert not torch.allclose(temperature(s, t.flip(0)), tau)
    with pytest.raises(ValueError, match=r'\(N, 10\) logits'):
        temperature(s[:, :5], t[:, :5])
    with pytest.raises(KDConfigError, match='num_classes'):
        KLDivergence(tau=dict(type='CurriculumTemperature', instance=True))
    with pytest.raises(KDConfigError, match='instance=True'):
        KLDivergence(tau=dict(type='CurriculumTemperature', num_classes=10))


def test_kd_at_instance_temperatures_is_the_references_per_sample_loss():
    """The reference README's loop: sum_i T_i^2 sum_k q_ik (log q_ik - log p_ik), over N."""
    s, t, y = batch(dtype=torch.double)
    loss = KLDivergence(tau=INSTANCE, loss_weight=0.9).double()
    temperature = loss.temperature_module
    temperature.grl_lambda = -1.0
    tau = temperature(s, t).detach().view(-1)
    expected = 0
    for i in range(8):
        q = torch.softmax(t[i] / tau[i], 0)
        expected += tau[i]**2 * (q * (q.log() - torch.log_softmax(s[i] / tau[i], 0))).sum()
    torch.testing.assert_close(loss(s, t), 0.9 * expected / 8)
    # DKD: the batch mean of each sample's DKD at its own temperature
    dkd = DKDLoss(tau=INSTANCE).double()
    dkd.temperature_module.load_state_dict(temperature.state_dict())
    dkd.temperature_module.grl_lambda = -1.0
    per_sample = [dkd_loss(s[i:i + 1], t[i:i + 1], y[i:i + 1], tau=float(tau[i]))
                  for i in range(8)]
    torch.testing.assert_close(dkd(s, t, y), torch.stack(per_sample).mean())


def test_training_without_the_hook_is_refused():
    loss = KLDivergence(tau=dict(type='CurriculumTemperature'))
    with pytest.raises(KDConfigError, match='CurriculumTemperatureHook'):
        loss(torch.randn(2, 5), torch.randn(2, 5))
    loss.eval()  # evaluation needs no curriculum
    assert torch.isfinite(loss(torch.randn(2, 5), torch.randn(2, 5)))
    with pytest.raises(KDConfigError, match='tau'):
        KLDivergence(tau=dict(type='NoSuchTemperature'))


def ctkd_config(work_dir, teacher_ckpt, epochs=4, tau=GLOBAL):
    cfg = digits_kd_config(work_dir, teacher_ckpt, epochs=epochs, distiller=ctkd_distiller(tau))
    cfg.custom_hooks = [dict(type='CurriculumTemperatureHook', loops=2)]
    return cfg


@pytest.mark.parametrize('tau, param', [(GLOBAL, 'theta'), (INSTANCE, 'mlp.2.weight')],
                         ids=['global', 'instance'])
def test_the_temperature_learns_is_logged_and_resumes(tmp_path, teacher_ckpt, tau, param):
    key = f'distiller.distill_losses.loss_kd.temperature_module.{param}'
    full = ctkd_config(tmp_path / 'full', teacher_ckpt, tau=tau)
    runner = Runner.from_cfg(full)  # seeded before it builds the model: the same MLP each run
    initial = copy.deepcopy(runner.model.state_dict()[key])
    runner.train()
    final = load_checkpoint_file(osp.join(tmp_path / 'full', 'epoch_4.pth'))['state_dict']
    assert not torch.equal(final[key], initial)  # it trained
    logs = [json.loads(line) for path in
            sorted(glob.glob(str(tmp_path / 'full' / '*' / 'vis_data' / '*.json')))
            for line in open(path) if '"tau.loss_kd"' in line]
    assert logs and all(1.0 < entry['tau.loss_kd'] < 21.0 for entry in logs)

    interrupt_and_resume(lambda work_dir: ctkd_config(work_dir, teacher_ckpt, tau=tau),
                         tmp_path / 'cut', at=1)
    got = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_4.pth'))['state_dict']
    torch.testing.assert_close(got[key], final[key], rtol=0, atol=1e-6)
    for k in final:
        torch.testing.assert_close(got[k], final[k], rtol=0, atol=1e-6, msg=k)


def test_dkd_with_a_learnable_temperature_equals_dkd_at_that_temperature():
    s, t, y = batch(seed=1, dtype=torch.double)
    tau = torch.tensor(3.0, dtype=torch.double, requires_grad=True)
    torch.testing.assert_close(dkd_loss(s, t, y, tau=tau), dkd_loss(s, t, y, tau=3.0))
    dkd_loss(s, t, y, tau=tau).backward()
    assert torch.isfinite(tau.grad)
