"""Several classifiers as one: the average of their logits (born-again network ensembles)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..teachers.loading import load_teacher_checkpoint
from ..utils.model_builder import build_data_preprocessor, build_model


@MODELS.register_module()
class LogitEnsemble(BaseModel):
    """Classifiers whose logits are averaged: the born-again network ensemble of Furlanello
    et al., ICML 2018 ("BANE"), or any ensemble of members that read the same normalised
    input. A classifier like mmpretrain's (``'tensor'`` mode: the averaged logits;
    ``'predict'``: ``DataSample``\\ s with the softmax of the average as ``pred_score``), so
    ``tools/test.py`` and mmpretrain's tools evaluate it; it is not trained.

    Args:
        members (sequence of dict): the members' model configs (mmpretrain classifiers, as
            ``mmkd-extract-student`` writes them).
        checkpoints (sequence of str, optional): each member's checkpoint, loaded when built
            (an exported ensemble has none: its one checkpoint holds ``members.<i>.*``).
        data_preprocessor (dict, optional): defaults to the first member's.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, members: Sequence[dict], checkpoints: Optional[Sequence[str]] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        if not members:
            raise KDConfigError('LogitEnsemble.members: give at least one model config')
        if checkpoints is not None and len(checkpoints) != len(members):
            raise KDConfigError(f'LogitEnsemble.checkpoints: {len(checkpoints)} for '
                                f'{len(members)} members')
        if data_preprocessor is None:
            data_preprocessor = dict(members[0]).get('data_preprocessor')
        preprocessor = build_data_preprocessor(data_preprocessor, 'model.data_preprocessor') \
            if data_preprocessor is not None else None
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        self.members = nn.ModuleList(
            build_model(dict(m), f'model.members[{i}]') for i, m in enumerate(members))
        for i, path in enumerate(checkpoints or ()):
            load_teacher_checkpoint(self.members[i], path, f'model.checkpoints[{i}]')

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            raise RuntimeError('LogitEnsemble is evaluated, not trained: train its members')
        logits = torch.stack([m(inputs, mode='tensor') for m in self.members]).mean(0)
        if mode == 'tensor':
            return logits
        if mode != 'predict':
            raise RuntimeError(f'Invalid mode "{mode}"; only "tensor" and "predict" exist')
        # the members' head turns logits into predictions (softmax scores, arg-max labels)
        return self.members[0].head._get_predictions(logits, data_samples)
