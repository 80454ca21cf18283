"""Checkpoints that a kill at any moment cannot damage.

MMEngine writes a checkpoint by opening the final file and writing into it, and with
``max_keep_ckpts`` deletes the oldest checkpoint *before* writing the new one. A run killed
during the write (a preemption, an out-of-memory kill, a full disk) leaves a truncated file
under the final name, and ``last_checkpoint`` pointing at the previous one is all that is left.
"""
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mmkd.registry import HOOKS
from mmkd.utils.checkpoint import atomic_write, atomic_write_leftovers
from mmkd.utils.dist_utils import unwrap_model
from .non_finite_loss_hook import NonFiniteError, last_checkpoint_sentence, non_finite_entries

ATOMIC_BACKEND = 'mmkd_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes go to a temporary file in the same folder,
    are flushed to disk and then renamed over the target, so the target is always either the
    old file or the complete new one."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write(str(filepath), obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))


register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments), made safe against kills.

    - Local checkpoints are written atomically (:class:`AtomicLocalBackend`), so a kill during a
      write leaves the previous file intact and no partial file under a checkpoint's name;
      ``last_checkpoint`` is written only after the checkpoint is complete.
    - With ``max_keep_ckpts=k`` the oldest checkpoint is deleted after the new one is complete,
      not before, so ``k`` complete checkpoints exist at every moment (``k + 1`` briefly).
    - A checkpoint whose weights or buffers hold ``nan`` or ``inf`` is never written: the run
      stops with a :class:`NonFiniteError` that names the tensors, and the checkpoints already
      written stay as they are (none is deleted).

    Registered in mmkd's scope under MMEngine's name, so ``dict(type='CheckpointHook')`` in an
    mmkd-scoped config is this hook; mmkd's commands use it for other configs too. Best
    checkpoints (``save_best``) keep MMEngine's order (old one removed first): they are not
    needed to resume.
    """

    def __init__(self, *args, max_keep_ckpts: int = -1, backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None, out_dir: Optional[str] = None,
                 **kwargs) -> None:
        local = out_dir is None or '://' not in str(out_dir)
        if backend_args is None and file_client_args is None and local:
            backend_args = dict(backend=ATOMIC_BACKEND)
        self._keep = max_keep_ckpts
        # The parent deletes before it writes; keeping one more there and deleting the
        # surplus here, after the write, reverses that.
        super().__init__(*args, max_keep_ckpts=max_keep_ckpts + 1 if max_keep_ckpts > 0 else
                         max_keep_ckpts, backend_args=backend_args,
                         file_client_args=file_client_args, out_dir=out_dir, **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        # Temporary files of writes that a kill cut short.
        if is_main_process() and isinstance(self.file_backend, AtomicLocalBackend):
            for pattern in ('epoch_*.pth', 'iter_*.pth', 'last_checkpoint'):
                for path in atomic_write_leftovers(self.out_dir, pattern):
                    os.remove(path)

    def _check_finite(self, runner, name: str) -> None:
        broken = non_finite_entries(unwrap_model(runner.model).state_dict())
        if broken:
            message = (f'Training stopped: {name} was not written, because the model holds '
                       f'non-finite values: {", ".join(broken)}. '
                       f'{last_checkpoint_sentence(runner)} The run diverged: lower the '
                       'learning rate or clip gradients (optim_wrapper.clip_grad='
                       'dict(max_norm=...)) and train again.')
            runner.logger.error(message)
            raise NonFiniteError(message)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if self.save_best:
            self._check_finite(runner, 'the best checkpoint')
        super()._save_best_checkpoint(runner, metrics)

    def _save_checkpoint_with_step(self, runner, step, meta):
        self._check_finite(runner, self.filename_tmpl.format(step))
        super()._save_checkpoint_with_step(runner, step, meta)
        if self._keep <= 0:
            return
        while len(self.keep_ckpt_ids) > self._keep:
            old = self.keep_ckpt_ids.popleft()
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if is_main_process() and self.file_backend.isfile(path):
                self.file_backend.remove(path)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        if is_main_process():  # rewrite it atomically: the parent's plain write may be torn
            atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                         str(self.last_ckpt).encode())
