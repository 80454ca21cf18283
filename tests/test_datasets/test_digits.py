from collections import Counter

import numpy as np
import pytest

from mmkd.datasets import DigitsDataset

PACK = [dict(type='mmpretrain.PackInputs')]


def labels(ds):
    return np.array([ds.get_data_info(i)['gt_label'] for i in range(len(ds))])


def test_split_sizes_and_stratification():
    train, test = DigitsDataset('train', pipeline=PACK), DigitsDataset('test', pipeline=PACK)
    assert len(train) + len(test) == 1797 and len(test) == 540
    assert train.metainfo['classes'] == tuple('0123456789')
    sample = test[0]
    assert tuple(sample['inputs'].shape) == (1, 8, 8) and sample['inputs'].max() <= 255
    assert min(Counter(labels(test).tolist()).values()) >= 50
    color = DigitsDataset('test', color=True, pipeline=PACK)
    assert tuple(color[0]['inputs'].shape) == (3, 8, 8)


def test_subset_and_label_noise_are_seeded_and_only_on_train():
    clean = labels(DigitsDataset('train', num_train=300, noise_seed=1, pipeline=PACK))
    noisy = labels(DigitsDataset('train', num_train=300, label_noise=0.4, noise_seed=1, pipeline=PACK))
    again = labels(DigitsDataset('train', num_train=300, label_noise=0.4, noise_seed=1, pipeline=PACK))
    assert len(clean) == 300 and np.array_equal(noisy, again)
    flipped = (clean != noisy).mean()
    assert 0.3 < flipped < 0.5  # every drawn label moves to a different class
    test_clean = labels(DigitsDataset('test', pipeline=PACK))
    test_noisy = labels(DigitsDataset('test', label_noise=0.4, pipeline=PACK))
    assert np.array_equal(test_clean, test_noisy)


def test_bad_arguments():
    with pytest.raises(ValueError, match='split'):
        DigitsDataset('val')
    with pytest.raises(ValueError, match='label_noise'):
        DigitsDataset('train', label_noise=1.0)


@pytest.mark.parametrize('sizes', [dict(test_size=0.3), dict(test_size=0.25),
                                   dict(train_size=300), dict(train_size=57),
                                   dict(test_size=0.5, train_size=0.3), dict(test_size=100)])
def test_stratified_split_equals_scikit_learns(sizes):
    """The split the published digits numbers were made on: scikit-learn's, drawn without it."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from mmkd.datasets.stratified_split import stratified_split
    from mmkd.datasets.digits import load_digits_file
    digits = load_digits()
    pixels, target = load_digits_file()
    assert np.array_equal(pixels, digits.data) and np.array_equal(target, digits.target)
    rng = np.random.default_rng(0)
    for labels in (target, target[:1200], rng.integers(0, 7, 500)):
        for seed in range(8):
            expected = train_test_split(np.arange(len(labels)), stratify=labels,
                                        random_state=seed, **sizes)
            got = stratified_split(labels, seed=seed, **sizes)
            assert all(np.array_equal(e, g) for e, g in zip(expected, got)), (sizes, seed)


def test_stratified_split_refuses_what_cannot_be_split():
    from mmkd.datasets.stratified_split import stratified_split
    with pytest.raises(ValueError, match='at least 2 samples'):
        stratified_split(np.array([0, 0, 1]), test_size=0.5)
    with pytest.raises(ValueError, match='needs at least'):
        stratified_split(np.repeat(np.arange(5), 4), train_size=3)
