"""In-batch contrastive KD (FSECD): hand-computed values, options, and two processes that
gather their teacher features give the single-process loss (and gradients) of the whole batch."""
import os

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmkd.models.losses import in_batch_contrastive_loss
from mmkd.registry import MODELS


def np_info_nce(a, c, pos, tau):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    logits = a @ c.T / tau
    log_prob = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return -((log_prob * pos).sum(1) / pos.sum(1)).mean()


def data(seed=0, n=8, d=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.integers(0, 3, size=n)


def test_values_by_hand():
    s, t, y = data()
    eye = np.eye(8)
    loss = MODELS.build(dict(type='FSECDLoss', tau=0.2))
    assert loss(torch.tensor(s), torch.tensor(t)).item() == pytest.approx(
        np_info_nce(s, t, eye, 0.2), rel=1e-9)
    sym = MODELS.build(dict(type='InBatchContrastiveLoss', tau=0.2, symmetric=True))
    assert sym(torch.tensor(s), torch.tensor(t)).item() == pytest.approx(
        0.5 * (np_info_nce(s, t, eye, 0.2) + np_info_nce(t, s, eye, 0.2)), rel=1e-9)
    same = MODELS.build(dict(type='InBatchContrastiveLoss', tau=0.2, same_class_positives=True))
    pos = (y[:, None] == y[None, :]) | (eye > 0)
    assert same(torch.tensor(s), torch.tensor(t), torch.tensor(y)).item() == pytest.approx(
        np_info_nce(s, t, pos, 0.2), rel=1e-9)


def test_a_perfect_student_has_the_lowest_loss_and_errors_are_clear():
    s, t, _ = data(1)
    loss = MODELS.build(dict(type='FSECDLoss', tau=0.1))
    assert loss(torch.tensor(t), torch.tensor(t)) < loss(torch.tensor(s), torch.tensor(t))
    with pytest.raises(ValueError, match='projector connector'):
        loss(torch.randn(4, 3), torch.randn(4, 5))
    with pytest.raises(ValueError, match='needs the labels'):
        MODELS.build(dict(type='FSECDLoss', same_class_positives=True))(
            torch.randn(4, 3), torch.randn(4, 3))
    with pytest.raises(ValueError, match='tau must be a positive'):
        MODELS.build(dict(type='FSECDLoss', tau=0))


def _worker(rank, world, init_file, out_dir, symmetric, sizes):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    s, t, y = (torch.tensor(x) for x in data(3, n=sum(sizes)))
    start = sum(sizes[:rank])
    local = slice(start, start + sizes[rank])
    s_local = s[local].clone().requires_grad_(True)
    loss = in_batch_contrastive_loss(s_local, t[local], 0.1, symmetric, y[local], gather=True)
    loss.backward()
    torch.save(dict(loss=loss.detach(), grad=s_local.grad), os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.parametrize('symmetric, sizes', [(False, (4, 4)), (True, (4, 4)), (False, (5, 3))],
                         ids=['one-way', 'symmetric', 'unequal batches'])
def test_two_processes_see_the_global_batch(tmp_path, symmetric, sizes):
    mp.spawn(_worker, args=(2, str(tmp_path / 'init'), str(tmp_path), symmetric, sizes),
             nprocs=2, join=True)
    r = [torch.load(tmp_path / f'{i}.pt', weights_only=True) for i in (0, 1)]
    s, t, y = (torch.tensor(x) for x in data(3, n=sum(sizes)))
    s = s.clone().requires_grad_(True)
    whole = in_batch_contrastive_loss(s, t, 0.1, symmetric, y, gather=False)
    whole.backward()
    n = sum(sizes)
    # the batch-size-weighted mean of the processes' losses is the whole batch's loss
    mean = sum(float(x['loss']) * k for x, k in zip(r, sizes)) / n
    assert mean == pytest.approx(whole.item(), rel=1e-10)
    if not symmetric:
        # what DistributedDataParallel applies (each rank's gradient, weighted by its share)
        # is the whole batch's gradient
        grads = torch.cat([x['grad'] * k / n for x, k in zip(r, sizes)])
        torch.testing.assert_close(grads, s.grad, rtol=1e-9, atol=1e-12)
