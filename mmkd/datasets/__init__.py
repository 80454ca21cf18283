from .digits import DigitsDataset
from .hierarchical_synthetic import make_hierarchical_classification

__all__ = ['DigitsDataset', 'make_hierarchical_classification']
