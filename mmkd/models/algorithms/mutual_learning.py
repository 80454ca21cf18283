"""Online distillation: peers trained together, each learning from the others (DML)."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..distillers import ConfigurableDistiller
from ..utils.model_builder import build_model
from .base_algorithm import BaseAlgorithm, add_prefix
from .frozen_teacher import ignore_loaded_entries

PEER_KEYS = ('model', )


@MODELS.register_module()
class MutualLearning(BaseAlgorithm):
    """Deep mutual learning: "Deep Mutual Learning", Zhang, Xiang, Hospedales & Lu, CVPR 2018.

    Two or more peers train in the same step, each with its own task loss plus the
    distillation losses the distiller maps onto it, typically the KL divergence towards each
    other peer's detached prediction (``KLDivergence`` detaches ``preds_T``). The paper's
    loss of peer i is ``CE_i + 1/(K-1) Σ_{j≠i} KL(p_j ‖ p_i)``: with K peers, give each KL
    term ``loss_weight=1/(K-1)``.

    The first peer is the ``architecture`` (record source ``'student'``; what validation,
    test and the exported model are by default); the others are ``peers``, record sources by
    their names. Every peer trains and is saved in checkpoints; each can have its own
    optimizer settings through MMEngine's ``paramwise_cfg.custom_keys`` on its module path
    (``'architecture'``, ``'peers.NAME'``). ``DistillValLoop(models=[...])`` or
    ``evaluate_teacher=True`` also validates the other peers (metrics ``NAME/...``), and
    ``tools/model_converters/extract_student.py --model NAME`` exports any peer.

    Args:
        distiller (dict): a ``ConfigurableDistiller`` with ``student_recorders`` for the first
            peer and ``recorders=dict(NAME=...)`` for the others.
        peers (dict): ``name -> dict(model=model config)`` of the other peers (not
            ``'student'``).
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    def __init__(self, distiller: dict, peers: Dict[str, dict], **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(peers, dict) or not peers:
            raise KDConfigError('model.peers must be a dict of name -> dict(model=...), with '
                                'at least one peer beside the architecture')
        self.calculate_student_loss = True
        self.peers = nn.ModuleDict()
        if not self.student_only:  # test and inference evaluate the first peer only
            for name, cfg in peers.items():
                key = f'model.peers.{name}'
                if name == 'student':
                    raise KDConfigError(f"{key}: 'student' is the architecture's name; give the "
                                        'other peers other names')
                if not isinstance(cfg, dict) or 'model' not in cfg:
                    raise KDConfigError(f'{key} must be dict(model=...), got {cfg!r}')
                unknown = [k for k in cfg if k not in PEER_KEYS]
                if unknown:
                    raise KDConfigError(f'{key}: unknown key(s) {unknown}; valid: '
                                        f'{list(PEER_KEYS)}')
                self.peers[name] = build_model(cfg['model'], f'{key}.model')
        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        if self.student_only:
            ignore_loaded_entries(self, 'peers')
            return
        self.distiller.prepare_from_teachers(self.peers)

    def named_models(self) -> Dict[str, nn.Module]:
        return dict(self.peers.items())

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        losses = {}
        for name, peer in self.peers.items():
            peer_losses = self.distiller.record(
                name, lambda: peer(inputs, data_samples, mode='loss'), grad=True, required=True)
            losses.update(add_prefix(peer_losses, name))
        return self.student_and_distill_losses(inputs, data_samples, losses)
