"""Synthetic classification with a class hierarchy whose correlation is a parameter, and the
exact posterior of its generative model."""
from typing import Optional, Tuple

import numpy as np


class HierarchicalGaussians:
    r"""Gaussian classes whose means share super-class components.

    .. math::
        m_s \sim \mathcal N(0, I_d),\quad
        \mu_c = \sqrt{1-\rho}\, e_c + \sqrt{\rho}\, m_{s(c)},\ e_c \sim \mathcal N(0, I_d),\quad
        x = \mu_c + \sigma_c \varepsilon,\quad \sigma_c = \sigma\, e^{s u_c},\ u_c \sim U(-1, 1)

    so the means of two classes of one super-class have correlation :math:`\rho`, classes of
    different super-classes are uncorrelated, and every mean has the same expected norm:
    :math:`\rho` sets how much class relations (the "domain knowledge" of Tang et al., 2020)
    there are to learn. As :math:`\rho` grows, siblings move closer together (their expected
    squared distance is :math:`2d(1-\rho)`) while super-classes stay as far apart as classes at
    :math:`\rho = 0`. The noise spread :math:`s` gives the classes different noise levels
    (:math:`s = 0`: one shared :math:`\sigma`), so how hard an example is varies with its class
    as well as with where it falls.

    With equal class priors the posterior is exact and known:

    .. math::
        \log p(c \mid x) = -\frac{\lVert x - \mu_c \rVert^2}{2\sigma_c^2} - d \log \sigma_c
        + \text{const}

    (:meth:`log_posterior`), which is what an oracle teacher outputs; the true class relations
    are the cosines of the means (:meth:`class_similarity`).

    Args:
        num_superclasses, classes_per_superclass, dim: the sizes.
        correlation (float): :math:`\rho` in [0, 1).
        noise (float): :math:`\sigma`.
        noise_spread (float): :math:`s`. Defaults to 0.
        means_seed (int): seed of the means and noise levels; splits drawn with other seeds
            share them.
    """

    def __init__(self, num_superclasses: int = 4, classes_per_superclass: int = 5, dim: int = 32,
                 correlation: float = 0.5, noise: float = 1.0, noise_spread: float = 0.0,
                 means_seed: int = 0) -> None:
        if not 0.0 <= correlation < 1.0:
            raise ValueError(f'correlation must be in [0, 1), got {correlation}')
        if noise <= 0 or noise_spread < 0:
            raise ValueError(f'noise must be > 0 and noise_spread >= 0, got {noise}, '
                             f'{noise_spread}')
        rng = np.random.default_rng(means_seed)
        supers = rng.standard_normal((num_superclasses, dim))
        own = rng.standard_normal((num_superclasses * classes_per_superclass, dim))
        parent = np.repeat(np.arange(num_superclasses), classes_per_superclass)
        self.means = np.sqrt(1 - correlation) * own + np.sqrt(correlation) * supers[parent]
        # drawn after the means, so s = 0 leaves every earlier draw as it was
        self.sigmas = noise * np.exp(noise_spread * rng.uniform(-1, 1, len(self.means)))
        self.parent, self.dim = parent, dim

    @property
    def num_classes(self) -> int:
        return len(self.means)

    def sample(self, samples_per_class: int, seed: int, label_noise: float = 0.0
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``samples_per_class`` draws of every class, shuffled: ``(x, y, y_true)``.

        With ``label_noise`` = η a fraction η of the labels ``y`` is replaced by a different,
        uniformly drawn class (``y_true`` keeps the class each x was drawn from)."""
        if not 0.0 <= label_noise < 1.0:
            raise ValueError(f'label_noise must be in [0, 1), got {label_noise}')
        rng = np.random.default_rng(seed)
        y_true = np.repeat(np.arange(self.num_classes), samples_per_class)
        x = self.means[y_true] + self.sigmas[y_true, None] * rng.standard_normal(
            (len(y_true), self.dim))
        order = rng.permutation(len(y_true))
        x, y_true = x[order].astype(np.float32), y_true[order].astype(np.int64)
        y = y_true.copy()
        if label_noise:
            flip = rng.random(len(y)) < label_noise
            y[flip] = (y[flip] + rng.integers(1, self.num_classes, flip.sum())) % self.num_classes
        return x, y, y_true

    def log_posterior(self, x: np.ndarray) -> np.ndarray:
        """``log p(c | x)`` for every class, (N, K), normalised."""
        x = np.asarray(x, dtype=np.float64)
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)
        logits = -sq / (2 * self.sigmas**2) - self.dim * np.log(self.sigmas)
        logits -= logits.max(1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(1, keepdims=True))

    def class_similarity(self) -> np.ndarray:
        """The cosines of the class means, (K, K): the true class relations."""
        unit = self.means / np.linalg.norm(self.means, axis=1, keepdims=True)
        return unit @ unit.T

    def posterior_linear_form(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""``(W, b, a)`` with :math:`\log p(c \mid x) = x^\top w_c + b_c + a_c \lVert x \rVert^2`
        + const: :math:`w_c = \mu_c / \sigma_c^2`, :math:`a_c = -1 / (2\sigma_c^2)`,
        :math:`b_c = -\lVert \mu_c \rVert^2 / (2\sigma_c^2) - d \log \sigma_c`."""
        inv = 1.0 / self.sigmas**2
        weight = self.means * inv[:, None]
        bias = -(self.means**2).sum(1) * inv / 2 - self.dim * np.log(self.sigmas)
        return weight, bias, -inv / 2


def make_hierarchical_classification(
        num_superclasses: int = 4, classes_per_superclass: int = 5, dim: int = 32,
        correlation: float = 0.5, samples_per_class: int = 100, noise: float = 1.0,
        seed: int = 0, means_seed: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """``samples_per_class`` draws of every class of :class:`HierarchicalGaussians` with one
    shared noise level: ``(X (N, dim) float32, y (N,) int64)``. The means depend only on
    ``means_seed`` (default ``seed``)."""
    model = HierarchicalGaussians(num_superclasses, classes_per_superclass, dim, correlation,
                                  noise, means_seed=seed if means_seed is None else means_seed)
    x, y, _ = model.sample(samples_per_class, seed)
    return x, y
