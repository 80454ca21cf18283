"""Replayable augmentation: the inputs of (slot, sample) are the same in every pass, whatever
the workers, processes, order or the state of the global generators."""
import random
import subprocess
import textwrap

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from mmkd.datasets import ReplayableDataset
from mmkd.utils import KDConfigError

from helpers import PY, ROOT

# Every random transform kind of the shipped configs, and RandAugment (the policy choice and
# a magnitude drawn per sample), on 3-channel digits.
PIPELINE = [
    dict(type='mmpretrain.RandomResizedCrop', scale=8, crop_ratio_range=(0.5, 1.0)),
    dict(type='mmpretrain.RandomCrop', crop_size=8, padding=2),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandAugment', policies='timm_increasing', num_policies=2,
         total_level=10, magnitude_level=9, magnitude_std=0.5),
    dict(type='mmpretrain.PackInputs'),
]


def make(seed=0, num_slots=None, **kwargs):
    return ReplayableDataset(dict(type='mmkd.DigitsDataset', color=True, pipeline=PIPELINE),
                             seed=seed, num_slots=num_slots, **kwargs)


def inputs_of(dataset, slot, indices):
    return {i: dataset[(slot, i)]['inputs'] for i in indices}


def test_two_passes_over_a_slot_are_bit_identical_and_slots_differ():
    ds = make(seed=3)
    first, second = inputs_of(ds, 1, range(40)), inputs_of(ds, 1, range(40))
    for i in first:
        assert torch.equal(first[i], second[i])
    other = inputs_of(ds, 2, range(40))
    assert sum(torch.equal(first[i], other[i]) for i in first) <= 2
    assert sum(torch.equal(first[i], inputs_of(make(seed=4), 1, [i])[i]) for i in first) <= 2
    item = ds[(1, 5)]['data_samples']
    assert item.replay_slot == 1 and item.sample_idx == 5
    assert isinstance(item.replay_fingerprint, int)


def test_main_process_generators_are_left_as_they_were():
    ds = make()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    ds[(0, 3)], ds[(4, 7)]
    assert (random.random(), np.random.rand(), torch.rand(1)) == expected


@pytest.mark.parametrize('workers,persistent', [(0, False), (2, False), (2, True)])
def test_loaders_with_any_workers_order_and_batch_give_the_same_inputs(workers, persistent):
    ds = make(seed=1, num_slots=3)
    reference = {s: inputs_of(ds, s, range(24)) for s in (0, 2)}
    loader = DataLoader(torch.utils.data.Subset(ds, list(range(24))[::-1]), batch_size=5,
                        num_workers=workers, persistent_workers=persistent,
                        collate_fn=pseudo_collate)
    # epochs 0 and 5 are slots 0 and 2; persistent workers learn the epoch through shared memory
    for epoch, slot in ((0, 0), (5, 2)):
        ds.set_epoch(epoch)
        seen = 0
        for batch in loader:
            for x, sample in zip(batch['inputs'], batch['data_samples']):
                assert sample.replay_slot == slot
                assert torch.equal(x, reference[slot][sample.sample_idx])
                seen += 1
        assert seen == 24


def test_another_process_replays_the_same_inputs():
    ds = make(seed=2, num_slots=4)
    expected = [ds[(s, i)]['data_samples'].replay_fingerprint for s in range(4) for i in (0, 9)]
    script = textwrap.dedent(f'''
        import mmkd.models
        from mmkd.datasets import ReplayableDataset
        ds = ReplayableDataset(dict(type='mmkd.DigitsDataset', color=True, pipeline={PIPELINE!r}),
                               seed=2, num_slots=4)
        print([ds[(s, i)]['data_samples'].replay_fingerprint for s in range(4) for i in (0, 9)])
    ''')
    out = subprocess.run([PY, '-c', script], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == str(expected)


def test_epochs_cycle_through_the_slots():
    ds = make(num_slots=3)
    ds.set_epoch(7)
    assert ds[4]['data_samples'].replay_slot == 1
    assert torch.equal(ds[4]['inputs'], ds[(1, 4)]['inputs'])


def test_without_an_epoch_an_integer_index_is_refused():
    with pytest.raises(KDConfigError, match='ReplayAugmentationHook'):
        make()[0]


def test_crd_negatives_are_replayed_too():
    ds = make(num_negatives=5)
    a, b = ds[(0, 3)]['data_samples'].contrast_idx, ds[(0, 3)]['data_samples'].contrast_idx
    assert a[0] == 3 and len(a) == 6 and (a == b).all()


@pytest.mark.parametrize('kwargs,key', [(dict(seed=-1), 'seed'), (dict(num_slots=0), 'num_slots'),
                                        (dict(num_slots=2.5), 'num_slots')])
def test_bad_arguments_name_the_key(kwargs, key):
    with pytest.raises(KDConfigError, match=key):
        make(**kwargs)


def test_builds_in_mmkds_scope_with_transforms_that_build_others():
    """RandAugment builds its policies ('AutoContrast', ...) by unprefixed name in the current
    scope; in mmkd's configs that is 'mmkd', whose transforms fall back to mmpretrain's."""
    from mmengine.registry import DefaultScope
    from mmkd.registry import DATASETS
    cfg = dict(type='ReplayableDataset', seed=0, dataset=dict(
        type='DigitsDataset', color=True, pipeline=[
            dict(type='mmpretrain.RandAugment', policies='timm_increasing', num_policies=2,
                 total_level=10, magnitude_level=9),
            dict(type='RandomFlip', prob=0.5), dict(type='PackInputs')]))
    with DefaultScope.overwrite_default_scope('mmkd'):
        ds = DATASETS.build(cfg)
        assert torch.equal(ds[(0, 1)]['inputs'], ds[(0, 1)]['inputs'])


def test_a_batch_equals_its_samples_one_by_one():
    ds = make(seed=5, num_slots=2)
    ds.set_epoch(3)
    batch = ds.__getitems__([4, 0, (0, 9)])
    one_by_one = [ds[4], ds[0], ds[(0, 9)]]
    for a, b in zip(batch, one_by_one):
        assert torch.equal(a['inputs'], b['inputs'])
        assert a['data_samples'].replay_slot == b['data_samples'].replay_slot
        assert a['data_samples'].replay_fingerprint == b['data_samples'].replay_fingerprint
    assert [s['data_samples'].replay_slot for s in batch] == [1, 1, 0]


def test_seeding_only_the_generators_a_pipeline_draws_from_gives_the_same_inputs():
    from mmkd.datasets.replayable_dataset import ALL_GENERATORS
    tracked = make(seed=1)
    tracked.track_generators = True
    items = tracked.__getitems__([(0, i) for i in range(30)])
    drawn = set().union(*(it['data_samples'].replay_draws_from for it in items))
    # mmcv's and mmpretrain's transforms (RandAugment included) draw from NumPy's alone
    assert drawn == {'numpy'}
    lean = make(seed=1)
    lean.use_generators(sorted(drawn))
    assert lean.generators == ('numpy', )
    random.seed(5), torch.manual_seed(5)  # the unseeded generators' state does not matter
    for i, item in enumerate(items):
        assert torch.equal(lean[(0, i)]['inputs'], item['inputs'])
    # a torchvision transform draws from torch's generator: tracked too
    tv = ReplayableDataset(dict(type='mmkd.DigitsDataset', color=True, pipeline=[
        dict(type='mmpretrain.NumpyToPIL'),
        dict(type='mmpretrain.torchvision/RandomHorizontalFlip'),
        dict(type='mmpretrain.PILToNumpy'), dict(type='mmpretrain.PackInputs')]))
    tv.track_generators = True
    assert 'torch' in set().union(*(tv[(0, i)]['data_samples'].replay_draws_from
                                    for i in range(4)))
    with pytest.raises(KDConfigError, match='unknown generator'):
        lean.use_generators(['cupy'])
    assert set(ALL_GENERATORS) == {'random', 'numpy', 'torch'}
