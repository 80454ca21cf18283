from .digits import DigitsDataset
from .hierarchical_synthetic import HierarchicalGaussians, make_hierarchical_classification
from .multi_view_dataset import MultiViewDataset
from .replayable_dataset import ReplayableDataset
from .sample_index_dataset import SampleIndexDataset
from .synthetic_samples import SyntheticSamples
from .transforms import Downsample, GaussianNoise, Occlude

__all__ = ['DigitsDataset', 'HierarchicalGaussians', 'make_hierarchical_classification', 'MultiViewDataset',
           'ReplayableDataset', 'SampleIndexDataset', 'SyntheticSamples', 'Downsample',
           'GaussianNoise', 'Occlude']
