"""A teacher that outputs the exact posterior of a synthetic generative model."""
from typing import Optional

import numpy as np
import torch
import torch.nn as nn

from mmkd.datasets.hierarchical_synthetic import HierarchicalGaussians


class QuadraticLinear(nn.Module):
    r""":math:`z = x W^\top + b + \lVert x \rVert^2 a`: a linear layer plus one curvature term
    per output (the log-posterior of Gaussian classes with their own noise levels).
    ``weight`` is (K, D), as a linear layer's, so a ``Parameter`` recorder on it reads the
    class templates."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, curvature: np.ndarray) -> None:
        super().__init__()
        as_param = lambda a: nn.Parameter(torch.as_tensor(a, dtype=torch.float32),  # noqa: E731
                                          requires_grad=False)
        self.weight, self.bias, self.curvature = as_param(weight), as_param(bias), \
            as_param(curvature)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.t() + self.bias + (x * x).sum(1, keepdim=True) * self.curvature


class GaussianOracle(nn.Module):
    r"""The Bayes-optimal classifier of a :class:`HierarchicalGaussians` model, shaped like an
    mmpretrain classifier for mmkd's algorithms: ``forward(inputs, data_samples, mode)``, the
    logits at ``head.fc``, the class templates at ``head.fc.weight``.

    Its logits are :math:`c \cdot \log p(c \mid x)` (+ a constant per sample):
    :math:`\mathrm{softmax}` of them is the exact posterior for ``confidence`` c = 1, and an
    over-confident (c > 1) or under-confident (c < 1) version of it otherwise. The rows of
    ``head.fc.weight`` are :math:`c\,\mu_k / \sigma_k^2`, whose cosines are those of the class
    means: the true class relations.
    """

    def __init__(self, model: HierarchicalGaussians, confidence: float = 1.0) -> None:
        super().__init__()
        weight, bias, curvature = model.posterior_linear_form()
        self.head = nn.Module()
        self.head.fc = QuadraticLinear(confidence * weight, confidence * bias,
                                       confidence * curvature)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        logits = self.head.fc(inputs.flatten(1))
        if mode == 'tensor':
            return logits
        raise ValueError(f'GaussianOracle is a teacher: only mode="tensor", got {mode!r}')
