from .digits import DigitsDataset
from .hierarchical_synthetic import HierarchicalGaussians, make_hierarchical_classification
from .replayable_dataset import ReplayableDataset
from .sample_index_dataset import SampleIndexDataset

__all__ = ['DigitsDataset', 'HierarchicalGaussians', 'make_hierarchical_classification', 'ReplayableDataset',
           'SampleIndexDataset']
