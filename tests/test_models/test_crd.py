"""CRD: RepDistiller's own CRDLoss on stored batches (loss, memory update, normalising
constants), the NCE loss and the update rule by hand, negative sampling, the dataset wrapper,
and two processes whose banks stay bit-identical (and equal to one process on the whole batch)."""
import copy
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmpretrain.structures import DataSample

from mmkd.models.losses import momentum_update, nce_contrast_loss
from mmkd.registry import MODELS

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
with open(osp.join(DATA, 'relation_loss_reference.json')) as f:
    REF = json.load(f)['crd']


def samples(idx, contrast=None):
    out = []
    for i, k in enumerate(idx):
        d = DataSample().set_gt_label(0)
        meta = dict(sample_idx=int(k))
        if contrast is not None:
            meta['contrast_idx'] = np.asarray(contrast[i])
        d.set_metainfo(meta)
        out.append(d)
    return out


def crd(**kwargs):
    cfg = dict(type='CRDLoss', student_channels=6, teacher_channels=7, num_samples=20,
               feat_dim=8, num_negatives=5, loss_weight=1.0)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_crd_matches_repdistiller_over_two_steps():
    loss = crd()
    st = {k: torch.tensor(v) for k, v in REF['state'].items()}
    loss.load_state_dict({
        'embed_s.weight': st['embed_s.linear.weight'], 'embed_s.bias': st['embed_s.linear.bias'],
        'embed_t.weight': st['embed_t.linear.weight'], 'embed_t.bias': st['embed_t.linear.bias'],
        'memory_s': st['contrast.memory_v1'], 'memory_t': st['contrast.memory_v2'],
        'z': torch.tensor([-1.0, -1.0])})
    loss.train()
    for step in REF['steps']:
        value = loss(torch.tensor(step['f_s']), torch.tensor(step['f_t']),
                     samples(step['idx'], step['contrast']))
        assert value.item() == pytest.approx(step['loss'], rel=1e-5)
        torch.testing.assert_close(loss.memory_s, torch.tensor(step['memory_v1']))
        torch.testing.assert_close(loss.memory_t, torch.tensor(step['memory_v2']))
        np.testing.assert_allclose(loss.z.numpy(), step['z'], rtol=1e-5)


def test_nce_loss_and_memory_update_by_hand():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.01, 2.0, size=(3, 5))  # positive first, 4 negatives
    n = 50
    pn = 4 / n
    expected = -(np.log(x[:, 0] / (x[:, 0] + pn + 1e-7)).sum()
                 + np.log(pn / (x[:, 1:] + pn + 1e-7)).sum()) / 3
    assert nce_contrast_loss(torch.tensor(x), n).item() == pytest.approx(expected, rel=1e-10)
    memory = torch.tensor(rng.normal(size=(6, 4)))
    feats = torch.tensor(rng.normal(size=(2, 4)))
    before = memory.clone()
    momentum_update(memory, torch.tensor([4, 1]), feats, 0.5)
    for row, f in ((4, feats[0]), (1, feats[1])):
        mixed = 0.5 * before[row] + 0.5 * f
        torch.testing.assert_close(memory[row], mixed / mixed.norm())
    untouched = [0, 2, 3, 5]
    assert torch.equal(memory[untouched], before[untouched])


def test_negatives_without_contrast_indices_are_uniform_and_start_with_the_sample():
    loss = crd(num_negatives=2000, num_samples=20)
    idx, contrast = loss._indices(samples([3, 7, 11]), 3, 'cpu')
    assert torch.equal(contrast[:, 0], idx) and contrast.shape == (3, 2001)
    counts = torch.bincount(contrast[:, 1:].flatten(), minlength=20).float()
    assert counts.min() > 0.6 * counts.mean()  # every index drawn about equally often
    with pytest.raises(ValueError, match='num_samples=20, but the batch has sample index 25'):
        loss._indices(samples([25]), 1, 'cpu')
    with pytest.raises(ValueError, match='SampleIndexDataset'):
        loss(torch.randn(1, 6), torch.randn(1, 7), [DataSample()])


def test_sample_index_dataset_draws_negatives_of_other_classes():
    from mmkd.registry import DATASETS
    ds = DATASETS.build(dict(type='SampleIndexDataset', num_negatives=50, dataset=dict(
        type='DigitsDataset', pipeline=[dict(type='mmpretrain.PackInputs')])))
    labels = np.asarray(ds.get_gt_labels())
    for i in (0, 10, 500):
        meta = ds[i]['data_samples'].metainfo
        assert meta['sample_idx'] == i and meta['contrast_idx'][0] == i
        assert len(meta['contrast_idx']) == 51
        assert (labels[meta['contrast_idx'][1:]] != labels[i]).all()
    concat = DATASETS.build(dict(type='SampleIndexDataset', dataset=dict(
        type='ConcatDataset', datasets=[
            dict(type='mmkd.DigitsDataset', pipeline=[dict(type='mmpretrain.PackInputs')]),
            dict(type='mmkd.DigitsDataset', split='test',
                 pipeline=[dict(type='mmpretrain.PackInputs')])])))
    n = len(concat)
    assert concat[n - 1]['data_samples'].metainfo['sample_idx'] == n - 1  # unique, not per part


def _worker(rank, world, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    torch.manual_seed(0)
    loss = crd(num_samples=40, num_negatives=7)
    loss.train()
    gen = torch.Generator().manual_seed(1)
    for step in range(3):
        f_s, f_t = torch.randn(8, 6, generator=gen), torch.randn(8, 7, generator=gen)
        idx = torch.randperm(40, generator=gen)[:8]
        contrast = torch.randint(0, 40, (8, 8), generator=gen)
        contrast[:, 0] = idx
        half = slice(4 * rank, 4 * rank + 4)
        loss(f_s[half], f_t[half], samples(idx[half].tolist(), contrast[half].tolist()))
    torch.save({k: v for k, v in loss.state_dict().items() if not k.startswith('embed')},
               os.path.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


def test_two_processes_keep_identical_banks(tmp_path):
    mp.spawn(_worker, args=(2, str(tmp_path / 'init'), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f'{i}.pt', weights_only=True) for i in (0, 1))
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    # one process on the whole batches ends with the same banks and constants
    torch.manual_seed(0)
    loss = crd(num_samples=40, num_negatives=7)
    loss.train()
    gen = torch.Generator().manual_seed(1)
    for step in range(3):
        f_s, f_t = torch.randn(8, 6, generator=gen), torch.randn(8, 7, generator=gen)
        idx = torch.randperm(40, generator=gen)[:8]
        contrast = torch.randint(0, 40, (8, 8), generator=gen)
        contrast[:, 0] = idx
        loss(f_s, f_t, samples(idx.tolist(), contrast.tolist()))
    for k in r0:
        torch.testing.assert_close(loss.state_dict()[k], r0[k], rtol=1e-6, atol=1e-7, msg=k)


def test_crd_trains_through_the_runner_with_wrapped_data(tmp_path, teacher_ckpt):
    """A user's route: the training set wrapped in SampleIndexDataset (negatives of other
    classes from the wrapper), CRD on the pooled features, a few epochs that lower the loss;
    the CIFAR configs wrap their training set the same way."""
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from helpers import ROOT, digits_kd_config, kd_model_cfg
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=4)
    pooled = dict(feat=dict(type='ModuleInputs', source='head.fc'))
    cfg.model = kd_model_cfg(teacher_ckpt, dict(
        type='ConfigurableDistiller', student_recorders=pooled, teacher_recorders=pooled,
        distill_losses=dict(loss_crd=dict(type='CRDLoss', student_channels=16,
                                          teacher_channels=32, num_samples=128, feat_dim=16,
                                          num_negatives=32, loss_weight=1.0)),
        loss_forward_mappings=dict(loss_crd=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False)))), calculate_student_loss=False)
    cfg.train_dataloader.dataset = dict(type='SampleIndexDataset', num_negatives=32,
                                        dataset=cfg.train_dataloader.dataset)
    losses = []

    class Record(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            losses.append(float(outputs['distill.loss_crd']))
            assert 'contrast_idx' in data_batch['data_samples'][0].metainfo

    runner = Runner.from_cfg(cfg)
    runner.register_hook(Record())
    runner.train()
    assert np.mean(losses[-4:]) < np.mean(losses[:4])
    cifar = Config.fromfile(osp.join(ROOT, 'configs/crd/crd_resnet32x4_resnet8x4_cifar100.py'))
    wrapped = cifar.train_dataloader.dataset
    assert wrapped.type == 'SampleIndexDataset' and wrapped.num_negatives == \
        cifar.model.distiller.distill_losses.loss_crd.num_negatives
    assert wrapped.dataset.type == 'mmpretrain.CIFAR100' and wrapped.dataset.split == 'train'
