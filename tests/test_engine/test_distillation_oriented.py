"""DOT: two momentum buffers, against a hand-computed update and through the runner."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from helpers import digits_kd_config
from mmkd.engine.optimizers import DOTSGD
from mmkd.utils import load_checkpoint_file
from test_engine.test_resume import interrupt_and_resume

LR, M, DELTA, WD = 0.1, 0.9, 0.075, 0.01


def reference_dot(params, task_grads, kd_grads, state):
    """mdistiller's dot(): phase 1 over the task gradients, phase 2 over the KD ones."""
    m_t, m_k = M - DELTA, M + DELTA
    for i, g in task_grads.items():
        d = g + WD * params[i]
        buf = state.get(('t', i))
        if buf is None:
            buf = d.clone()
        elif i in kd_grads:
            buf = m_t * buf + d
        else:
            buf = ((m_t + m_k) / 2) * buf + d
        state[('t', i)] = buf
        params[i] = params[i] - LR * buf
    for i, g in kd_grads.items():
        buf = state.get(('k', i))
        if buf is None:
            buf = g.clone()
        elif i in task_grads:
            buf = m_k * buf + g
        else:
            buf = ((m_t + m_k) / 2) * buf + g + WD * params[i]
        state[('k', i)] = buf
        params[i] = params[i] - LR * buf


def test_two_momenta_equal_the_hand_computed_update():
    # p0 in both losses, p1 only in the task loss, p2 only in the distillation loss
    torch.manual_seed(0)
    init = [torch.randn(3, dtype=torch.double) for _ in range(3)]
    params = [torch.nn.Parameter(p.clone()) for p in init]
    opt = DOTSGD(params, lr=LR, momentum=M, delta=DELTA, weight_decay=WD)
    expected, state = [p.clone() for p in init], {}
    x = torch.randn(3, dtype=torch.double)
    for _ in range(3):
        task = (params[0] * x).sum()**2 + (params[1]**2).sum()
        distill = (params[0] - x).pow(2).sum() + (params[2] * x).sum()**2
        # the reference's gradients at the current (reference) parameters
        ref = [p.clone().requires_grad_() for p in expected]
        g_t = torch.autograd.grad((ref[0] * x).sum()**2 + (ref[1]**2).sum(), ref[:2])
        g_k = torch.autograd.grad((ref[0] - x).pow(2).sum() + (ref[2] * x).sum()**2,
                                  [ref[0], ref[2]])
        reference_dot(expected, {0: g_t[0], 1: g_t[1]}, {0: g_k[0], 2: g_k[1]}, state)
        distill.backward(retain_graph=True)
        opt.stash_distill_grads()
        task.backward()
        opt.step()
        opt.zero_grad()
        for p, e in zip(params, expected):
            torch.testing.assert_close(p.detach(), e, rtol=1e-12, atol=1e-12)
    s0 = opt.state[params[0]]
    assert 'momentum_buffer' in s0 and 'momentum_kd_buffer' in s0 and 'distill_grad' not in s0
    assert 'momentum_kd_buffer' not in opt.state[params[1]]
    assert 'momentum_buffer' not in opt.state[params[2]]


def dot_config(work_dir, teacher_ckpt):
    cfg = digits_kd_config(work_dir, teacher_ckpt, epochs=3)
    cfg.optim_wrapper = dict(type='DOTOptimWrapper', optimizer=dict(
        type='DOTSGD', lr=0.05, momentum=0.9, delta=0.075, weight_decay=5e-4))
    return cfg


def test_dot_trains_any_config_and_resumes_with_both_buffers(tmp_path, teacher_ckpt):
    Runner.from_cfg(dot_config(tmp_path / 'full', teacher_ckpt)).train()
    full = load_checkpoint_file(osp.join(tmp_path / 'full', 'epoch_3.pth'))
    buffers = [s for s in full['optimizer']['state'].values()]
    assert buffers and all('momentum_buffer' in s and 'momentum_kd_buffer' in s
                           for s in buffers if 'momentum_kd_buffer' in s)
    assert any('momentum_kd_buffer' in s for s in buffers)

    interrupt_and_resume(lambda work_dir: dot_config(work_dir, teacher_ckpt), tmp_path / 'cut',
                         at=1)
    got = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_3.pth'))
    for k, v in full['state_dict'].items():
        torch.testing.assert_close(got['state_dict'][k], v, rtol=0, atol=1e-6, msg=k)


def test_dot_needs_its_optimizer(tmp_path, teacher_ckpt):
    from mmkd.utils.config_errors import KDConfigError
    cfg = dot_config(tmp_path, teacher_ckpt)
    cfg.optim_wrapper.optimizer = dict(type='SGD', lr=0.05)
    with pytest.raises(KDConfigError, match='DOTSGD'):
        Runner.from_cfg(cfg).train()
