from .model_builder import build_model
from .renormalize import renormalize
from .structures import clone_structure, get_gt_labels

__all__ = ['build_model', 'clone_structure', 'get_gt_labels', 'renormalize']
