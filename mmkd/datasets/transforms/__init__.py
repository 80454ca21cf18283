from .degradations import Downsample, GaussianNoise, Occlude

__all__ = ['Downsample', 'GaussianNoise', 'Occlude']
