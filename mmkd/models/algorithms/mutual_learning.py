"""Online distillation: peers trained together, each learning from the others (DML)."""
from typing import Dict

from mmkd.registry import MODELS
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

    teachers_key = 'peers'
    default_policy = 'trainable'

    def __init__(self, distiller: dict, peers: Dict[str, dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.calculate_student_loss = True
        self.add_teachers(self.teachers_from(
            peers, 'peer_preprocessors', policies=('trainable', ),
            defaults=dict(policy='trainable', norm_eval=False)), distiller)
