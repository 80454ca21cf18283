"""scikit-learn's handwritten digits as an mmpretrain dataset (ships with scikit-learn)."""
import importlib.util
import os
from typing import List, Optional, Tuple

import numpy as np
from mmpretrain.datasets import BaseDataset

from mmkd.datasets.stratified_split import stratified_split
from mmkd.registry import DATASETS

SPLITS = ('train', 'test')


def load_digits_file() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``datasets/data/digits.csv.gz``, read as ``load_digits`` reads it but
    without importing scikit-learn (2-3 s): pixels (1797, 64) in 0..16 and int64 labels."""
    spec = importlib.util.find_spec('sklearn')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('DigitsDataset reads its data from scikit-learn: pip install '
                          'scikit-learn')
    path = os.path.join(spec.submodule_search_locations[0], 'datasets', 'data',
                        'digits.csv.gz')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'DigitsDataset: scikit-learn has no {path}')
    data = np.loadtxt(path, delimiter=',')
    return data[:, :-1], data[:, -1].astype(np.int64)


@DATASETS.register_module()
class DigitsDataset(BaseDataset):
    """The UCI optical handwritten digits (1,797 8x8 images, 10 classes) from scikit-learn.

    No download: the data ships inside scikit-learn. The images are scaled from 0..16 to
    0..255 ``uint8``. The train/test split is stratified and fixed by ``split_seed``; the
    training split can be cut down and its labels corrupted, both seeded, to make a small or
    noisy-label setting where the effect of distillation shows.

    Args:
        split (str): ``'train'`` or ``'test'``.
        test_fraction (float): share of the data held out for ``'test'``. Defaults to 0.3.
        split_seed (int): seed of the train/test split. Defaults to 0.
        num_train (int, optional): keep this many training images (stratified). All by default.
        label_noise (float): fraction of training labels replaced by a different, uniformly
            drawn class. Defaults to 0 (the test split is never corrupted).
        noise_seed (int): seed of the subset and the noise. Defaults to 0.
        color (bool): repeat the gray channel to 3 channels (for RGB models). Defaults to False.
        pipeline (list): mmpretrain transforms, e.g. ``[dict(type='mmpretrain.PackInputs')]``.
    """

    METAINFO = {'classes': tuple(str(i) for i in range(10))}

    def __init__(self, split: str = 'train', test_fraction: float = 0.3, split_seed: int = 0,
                 num_train: Optional[int] = None, label_noise: float = 0.0, noise_seed: int = 0,
                 color: bool = False, **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'DigitsDataset.split={split!r} is not valid; choose one of {SPLITS}')
        if not 0.0 <= label_noise < 1.0:
            raise ValueError(f'DigitsDataset.label_noise must be in [0, 1), got {label_noise}')
        self.split = split
        self.test_fraction = test_fraction
        self.split_seed = split_seed
        self.num_train = num_train
        self.label_noise = label_noise
        self.noise_seed = noise_seed
        self.color = color
        kwargs.setdefault('data_root', '')
        super().__init__(ann_file='', test_mode=split == 'test', **kwargs)

    def load_data_list(self) -> List[dict]:
        pixels, labels = load_digits_file()
        images = np.round(pixels.reshape(-1, 8, 8) * (255.0 / 16.0)).astype(np.uint8)
        idx_train, idx_test = stratified_split(labels, test_size=self.test_fraction,
                                               seed=self.split_seed)
        rng = np.random.default_rng(self.noise_seed)
        if self.split == 'test':
            index = idx_test
            targets = labels[index]
        else:
            index = idx_train
            if self.num_train is not None and self.num_train < len(index):
                keep, _ = stratified_split(labels[index], train_size=self.num_train,
                                           seed=self.noise_seed)
                index = index[keep]
            targets = labels[index].copy()
            flip = rng.random(len(targets)) < self.label_noise
            # A different class, uniformly: add 1..K-1 modulo K.
            targets[flip] = (targets[flip] + rng.integers(1, 10, flip.sum())) % 10
        data_list = []
        for i, target in zip(index, targets):
            img = images[i][..., None]
            if self.color:
                img = np.repeat(img, 3, axis=-1)
            data_list.append(dict(img=np.ascontiguousarray(img), gt_label=int(target)))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Split: \t{self.split}', f'Label noise: \t{self.label_noise}']
