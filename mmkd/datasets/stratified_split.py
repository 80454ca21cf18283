"""A seeded, stratified train/test split of indices, equal to scikit-learn's.

``stratified_split(labels, test_size=f, seed=s)`` returns what
``sklearn.model_selection.train_test_split(np.arange(n), test_size=f, stratify=labels,
random_state=s)`` returns (``StratifiedShuffleSplit``, scikit-learn 1.x): the digits dataset's
published split, without importing scikit-learn (2-3 s of every command's start). A test
compares the two over many sizes and seeds.
"""
import math
from typing import Optional, Tuple, Union

import numpy as np


def _approximate_mode(class_counts: np.ndarray, n_draws: int,
                      rng: np.random.RandomState) -> np.ndarray:
    """Draws per class close to the mode of the multivariate hypergeometric: the floor of
    each class's share, then one more for the largest remainders, ties broken at random."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (candidates, ) = np.where(remainder == value)
            take = min(len(candidates), need)
            floored[rng.choice(candidates, size=take, replace=False)] += 1
            need -= take
            if need == 0:
                break
    return floored.astype(int)


def _split_sizes(n: int, test_size: Optional[Union[float, int]],
                 train_size: Optional[Union[float, int]]) -> Tuple[int, int]:
    if test_size is None and train_size is None:
        raise ValueError('give test_size or train_size')
    n_test = n_train = None
    if isinstance(test_size, float):
        n_test = math.ceil(test_size * n)
    elif test_size is not None:
        n_test = int(test_size)
    if isinstance(train_size, float):
        n_train = math.floor(train_size * n)
    elif train_size is not None:
        n_train = int(train_size)
    if n_train is None:
        n_train = n - n_test
    if n_test is None:
        n_test = n - n_train
    if n_train <= 0 or n_test <= 0 or n_train + n_test > n:
        raise ValueError(f'cannot split {n} samples into {n_train} for training and {n_test} '
                         'for testing')
    return n_train, n_test


def stratified_split(labels: np.ndarray, test_size: Optional[Union[float, int]] = None,
                     train_size: Optional[Union[float, int]] = None,
                     seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` into ``labels`` with each class in proportion.

    Args:
        labels (np.ndarray): one class label per sample.
        test_size (float | int, optional): share (float, rounded up) or number of test samples.
        train_size (float | int, optional): share (float, rounded down) or number of training
            samples; the rest of the samples when not given.
        seed (int): seed of ``numpy.random.RandomState`` that draws the split.

    Returns:
        tuple: the training and the test indices, each in a random order.
    """
    labels = np.asarray(labels)
    n_train, n_test = _split_sizes(len(labels), test_size, train_size)
    _, inverse, class_counts = np.unique(labels, return_inverse=True, return_counts=True)
    if class_counts.min() < 2:
        raise ValueError('every class needs at least 2 samples for a stratified split')
    if min(n_train, n_test) < len(class_counts):
        raise ValueError(f'a stratified split of {len(class_counts)} classes needs at least '
                         f'that many samples on each side (train {n_train}, test {n_test})')
    class_indices = np.split(np.argsort(inverse.ravel(), kind='stable'),
                             np.cumsum(class_counts)[:-1])
    rng = np.random.RandomState(seed)
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train, test = [], []
    for indices, count, n_tr, n_te in zip(class_indices, class_counts, n_i, t_i):
        shuffled = indices.take(rng.permutation(count), mode='clip')
        train.extend(shuffled[:n_tr])
        test.extend(shuffled[n_tr:n_tr + n_te])
    return rng.permutation(train), rng.permutation(test)
