"""Key mapping from RepDistiller/mdistiller CIFAR checkpoints to the mmkd zoo.

The zoo keeps the reference module names for everything but the classifier, so a checkpoint
converts by prefixing the feature extractor with ``backbone.`` and renaming the classifier,
whatever its name in the reference network, to ``head.fc``.
"""
from collections import OrderedDict
from typing import Dict, Mapping

import torch

# the reference networks name their last Linear after their families
CLASSIFIER_PREFIXES = ('classifier.0.', 'classifier.', 'linear.', 'fc.')


def reference_state_dict(checkpoint: Mapping, part: str = 'student') -> Dict[str, torch.Tensor]:
    """The network's state dict inside a reference checkpoint.

    Accepts what RepDistiller saves for a teacher (``{'model': state_dict, 'epoch', ...}``),
    mdistiller's trainer checkpoints (``{'model': distiller state dict}`` with ``student.`` and
    ``teacher.`` parts), a bare state dict, and any of them with DataParallel's ``module.``.

    Args:
        checkpoint: what ``torch.load`` returned.
        part: for a distiller checkpoint, which network to take: ``'student'`` or ``'teacher'``.
    """
    if part not in ('student', 'teacher'):
        raise ValueError(f"part must be 'student' or 'teacher', got {part!r}")
    state = checkpoint
    for key in ('model', 'state_dict', 'net'):
        if isinstance(state, Mapping) and isinstance(state.get(key), Mapping):
            state = state[key]
            break
    if not isinstance(state, Mapping) or not state or \
            not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError('no state dict found: expected a dict of tensors, or one under '
                         "'model' / 'state_dict' / 'net'")
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    if any(k.startswith(('student.', 'teacher.')) for k in state):
        prefix = part + '.'
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not state:
            raise ValueError(f'the distiller checkpoint has no {part!r} part')
    return state


def convert_reference_state_dict(state: Mapping[str, torch.Tensor]) -> 'OrderedDict':
    """Rename a reference CIFAR network's keys to those of the matching mmkd classifier."""
    prefixes = {p for p in CLASSIFIER_PREFIXES
                if f'{p}weight' in state and state[f'{p}weight'].dim() == 2}
    if len(prefixes) != 1:
        raise ValueError(f'cannot find the classifier: expected exactly one 2-D weight among '
                         f'{[p + "weight" for p in CLASSIFIER_PREFIXES]}, found '
                         f'{sorted(p + "weight" for p in prefixes) or "none"}')
    head = prefixes.pop()
    out = OrderedDict()
    for key, value in state.items():
        out[('head.fc.' + key[len(head):]) if key.startswith(head) else 'backbone.' + key] = value
    return out
