"""Online distillation: peers trained together, each learning from the others (DML)."""
from typing import Dict

import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..teachers import Teacher, nested_keys
from ..teachers.teacher import check_names
from .base_teacher_distill import BaseTeacherDistill


@MODELS.register_module()
class MutualLearning(BaseTeacherDistill):
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
            ``'student'``). A peer is a :class:`~mmkd.models.teachers.Teacher` with policy
            ``'trainable'`` whose norm layers train (``norm_eval=False``); it may also take
            ``ckpt`` (starting weights) and ``data_preprocessor``.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    def __init__(self, distiller: dict, peers: Dict[str, dict], **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(peers, dict) or not peers:
            raise KDConfigError('model.peers must be a dict of name -> dict(model=...), with '
                                'at least one peer beside the architecture')
        check_names(list(peers), 'model.peers')
        self.calculate_student_loss = True
        self.peers = nn.ModuleDict()
        self.peer_preprocessors = nn.ModuleDict()
        self.add_teachers({
            name: Teacher(name, cfg, nested_keys(f'model.peers.{name}'), f'peers.{name}',
                          f'peer_preprocessors.{name}', policies=('trainable', ),
                          defaults=dict(policy='trainable', norm_eval=False))
            for name, cfg in peers.items()}, distiller)

    @classmethod
    def models_in_config(cls, model_cfg: dict):
        entries = super().models_in_config(model_cfg)
        for name, cfg in (model_cfg.get('peers') or {}).items():
            entries[name] = cls.model_entry(f'model.peers.{name}.model', cfg.get('model'),
                                            f'peers.{name}.', 'trainable', None)
        return entries
