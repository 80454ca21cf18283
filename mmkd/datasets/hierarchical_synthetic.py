"""Synthetic classification with a class hierarchy whose correlation is a parameter."""
from typing import Tuple

import numpy as np


def make_hierarchical_classification(
        num_superclasses: int = 4, classes_per_superclass: int = 5, dim: int = 32,
        correlation: float = 0.5, samples_per_class: int = 100, noise: float = 1.0,
        seed: int = 0, means_seed: int = None) -> Tuple[np.ndarray, np.ndarray]:
    r"""Gaussian classes whose means share super-class components.

    .. math::
        m_s \sim \mathcal N(0, I_d),\quad
        \mu_c = \sqrt{1-\rho}\, e_c + \sqrt{\rho}\, m_{s(c)},\ e_c \sim \mathcal N(0, I_d),\quad
        x = \mu_c + \sigma \varepsilon

    so the means of two classes of one super-class have correlation :math:`\rho`, classes of
    different super-classes are uncorrelated, and every mean has the same expected norm:
    :math:`\rho` sets how much class relations (the "domain knowledge" of Tang et al., 2020)
    there are to learn. As :math:`\rho` grows, siblings move closer together (their expected
    squared distance is :math:`2d(1-\rho)`) while super-classes stay as far apart as classes at
    :math:`\rho = 0`, so the task gets harder and knowing which classes are siblings matters
    more. The class means depend only on
    ``means_seed`` (default ``seed``), so train and test splits drawn with other ``seed``\ s share
    them.

    Returns:
        ``X`` (N, dim) float32 and ``y`` (N,) int64, N = classes x ``samples_per_class``.
    """
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f'correlation must be in [0, 1), got {correlation}')
    rng_means = np.random.default_rng(seed if means_seed is None else means_seed)
    supers = rng_means.standard_normal((num_superclasses, dim))
    own = rng_means.standard_normal((num_superclasses * classes_per_superclass, dim))
    parent = np.repeat(np.arange(num_superclasses), classes_per_superclass)
    means = np.sqrt(1 - correlation) * own + np.sqrt(correlation) * supers[parent]
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(means)), samples_per_class)
    x = means[y] + noise * rng.standard_normal((len(y), dim))
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order].astype(np.int64)
