"""Refuse a checkpoint that does not fit the run, before any of it is used."""
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmkd.registry import HOOKS
from mmkd.utils.dist_utils import unwrap_model
from mmkd.utils.resume import check_model_fits, check_not_complete, check_optimizer_fits


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Checks a checkpoint against the run's model (and, on resume, its optimizer) as the
    runner loads it, and stops the run with a ``CheckpointMismatchError`` that names the file
    and what does not fit: keys missing or not in the model, shapes that differ (with a hint
    when the checkpoint is a plain model's given to a distillation config, or the reverse),
    or optimizer parameter groups of another size. A checkpoint that fits and already ends
    the run stops it with ``RunComplete`` (mmkd's commands say so and exit with status 0).

    MMEngine alone loads such a checkpoint's weights partly, with a warning, and then fails
    in torch's optimizer code without naming the file. The check runs before any weight,
    optimizer state or counter is used, so nothing in the work dir changes. mmkd's commands
    add this hook to every run unless the config has one.

    Args:
        partial_load_from (bool): let ``load_from`` (not ``--resume``) load a checkpoint
            whose keys are a subset or a superset of the model's (a backbone into a
            classifier); shapes must still fit. Defaults to False: every weight must be
            loaded, so a run never starts silently from a half-random model.
    """

    priority = 'VERY_HIGH'

    def __init__(self, partial_load_from: bool = False) -> None:
        self.partial_load_from = bool(partial_load_from)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # MMEngine passes the checkpoint, not its path; mmkd's commands always set load_from
        # (also for --resume without a path), so the file is named in the message.
        path = getattr(runner, '_load_from', None) or '(the checkpoint being loaded)'
        resume = bool(getattr(runner, '_resume', False))
        check_model_fits(unwrap_model(runner.model), checkpoint, path,
                         strict=resume or not self.partial_load_from)
        if resume and isinstance(runner.optim_wrapper, (OptimWrapper, OptimWrapperDict)):
            check_optimizer_fits(runner.optim_wrapper, checkpoint, path)
        if resume and runner.train_loop is not None:
            # a checkpoint of this run that already ends it: say so instead of a silent no-op
            check_not_complete(runner.train_loop, checkpoint.get('meta', {}), path)
