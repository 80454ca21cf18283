"""Mean (EMA) teachers: what every algorithm with such a teacher shares."""
from typing import Dict, Iterable, Tuple

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError


class EMATeacherMixin:
    """For algorithms whose teachers may be exponential moving averages of the student.

    The algorithm calls :meth:`init_ema_state` (registers the saved state) and lists its EMA
    teachers in :meth:`ema_teachers`; ``EMATeacherHook`` calls :meth:`start_ema_teacher`
    before training and :meth:`update_ema_teacher` after every optimizer step; the algorithm's
    ``loss`` calls :meth:`check_ema_updates`, which refuses to train a mean teacher that
    nobody updates.
    """

    def ema_teachers(self) -> Dict[str, Tuple[nn.Module, float]]:
        """name -> (EMA teacher, momentum). None here."""
        return {}

    @property
    def has_ema_teacher(self) -> bool:
        return bool(self.ema_teachers())

    def init_ema_state(self, loaded: Iterable[str] = ()) -> None:
        """Register the saved EMA state; ``loaded`` names the EMA teachers whose weights came
        from a checkpoint (the others start as copies of the student)."""
        # 1 once the EMA teachers hold their starting weights, and the number of updates;
        # saved, so a resumed run neither copies again nor loses count
        self.register_buffer('ema_started', torch.tensor(0))
        self.register_buffer('ema_updates', torch.zeros((), dtype=torch.long))
        self._ema_loaded = set(loaded)
        self._training_steps = 0

    @torch.no_grad()
    def start_ema_teacher(self) -> None:
        """Copy the student's weights into the EMA teachers not loaded from a checkpoint."""
        if not self.has_ema_teacher or int(self.ema_started):
            return
        for name, (teacher, _) in self.ema_teachers().items():
            if name in self._ema_loaded:
                continue
            try:
                teacher.load_state_dict(self.student.state_dict())
            except RuntimeError as e:
                raise KDConfigError(
                    f"the EMA teacher {name!r} must have the student's architecture (or be "
                    f'given by a checkpoint): {e}') from e
        self.ema_started.fill_(1)

    @torch.no_grad()
    def update_ema_teacher(self) -> None:
        """θ_t <- m·θ_t + (1 - m)·θ_s for every parameter of every EMA teacher; buffers (BN
        statistics) copied from the student."""
        if not self.has_ema_teacher:
            return
        self.start_ema_teacher()
        params = dict(self.student.named_parameters())
        buffers = dict(self.student.named_buffers())
        for teacher, m in self.ema_teachers().values():
            for name, param in teacher.named_parameters():
                param.mul_(m).add_(params[name].detach(), alpha=1 - m)
            for name, buf in teacher.named_buffers():
                buf.copy_(buffers[name])
        self.ema_updates += 1

    def check_ema_updates(self) -> None:
        if not self.has_ema_teacher:
            return
        # A mean teacher nobody updates would silently stay at the student's first weights.
        if not int(self.ema_started):
            raise KDConfigError(
                "an EMA teacher (policy 'ema') needs custom_hooks=[dict(type='EMATeacherHook')] "
                '(it starts the teacher from the student and updates it after every step)')
        self._training_steps += 1
        if self._training_steps > 2 and int(self.ema_updates) == 0:
            raise KDConfigError(
                "an EMA teacher (policy 'ema') is not being updated; add "
                "custom_hooks=[dict(type='EMATeacherHook')]")
