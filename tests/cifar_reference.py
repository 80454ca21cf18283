"""Reference CIFAR checkpoints for the zoo tests, rebuilt from a stored layout.

``data/cifar_reference.json.gz`` holds, for every benchmark network, the layout of its
reference state dict (key names in order, shapes, integer or float) as RepDistiller/mdistiller
checkpoints store it, and what the reference network computes (logits and a sum/abs-sum per
feature) when loaded with :func:`random_reference_state` and fed :func:`reference_input`.
``data/make_cifar_reference.py`` writes it from a checkout of the reference code.
"""
import gzip
import json
import math
import os.path as osp
from collections import OrderedDict

import torch

FIXTURE = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'cifar_reference.json.gz')


def load_fixture():
    with gzip.open(FIXTURE, 'rt') as f:
        return json.load(f)


def random_reference_state(layout, seed=0):
    """Deterministic values with sane scales: He-like weights, positive BN variances."""
    gen = torch.Generator().manual_seed(seed)
    keys = [k for k, _, _ in layout]
    state = OrderedDict()
    for key, shape, kind in layout:
        if kind == 'int':
            state[key] = torch.zeros(shape, dtype=torch.long)
            continue
        base = key.rsplit('.', 1)[0]
        is_bn = f'{base}.running_var' in keys
        if key.endswith('running_var') or (is_bn and key.endswith('.weight')):
            value = torch.rand(shape, generator=gen) + 0.5
        elif key.endswith(('running_mean', 'bias')):
            value = torch.randn(shape, generator=gen) * 0.1
        else:
            fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
            value = torch.randn(shape, generator=gen) / math.sqrt(fan_in)
        state[key] = value
    return state


def reference_input(seed=0):
    return torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def feature_summary(tensor):
    return [float(tensor.double().sum()), float(tensor.double().abs().sum())]
