"""Config overrides for runs that scripts launch in a loop (demo, benchmark harness)."""
import copy
import os.path as osp
import uuid
from typing import Optional

from mmengine.config import Config


def scripted_run_config(cfg: Config, work_dir: str, seed: int, epochs: Optional[int] = None,
                        val_interval: Optional[int] = None,
                        log_level: str = 'WARNING') -> Config:
    """A copy of ``cfg`` for one run of a sweep.

    Sets the work dir, a name of its own (so runs of one process never share MMEngine's
    logger or visualizer) and the seed; with ``epochs``, the number of epochs and the
    ``T_max`` of every scheduler that has one (cosine schedules then still end at the last
    epoch); validates every ``val_interval`` epochs (only at the end by default); saves one
    checkpoint, at the end; and keeps the console quiet (``log_level``, no per-iteration
    logging).
    """
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    # MMEngine names a run's logger and visualizer <experiment>_<timestamp> and reuses one of
    # that name: two runs of a sweep started in the same second in one process would share
    # them, and the second one's log and scalars would go to the first one's work dir
    cfg.experiment_name = f'{osp.basename(osp.normpath(work_dir))}_{uuid.uuid4().hex[:8]}'
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.log_level = log_level
    if epochs:
        cfg.train_cfg.max_epochs = epochs
        schedulers = cfg.param_scheduler if isinstance(cfg.param_scheduler, list) \
            else [cfg.param_scheduler]
        for scheduler in schedulers:
            if 'T_max' in scheduler:
                scheduler.T_max = epochs
    epochs = cfg.train_cfg.max_epochs
    cfg.train_cfg.val_interval = val_interval or epochs
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**6)
    return cfg


def scripted_runner(cfg: Config):
    """The runner of mmkd's commands (``mmkd.engine.runner.build_runner``: same hooks, same
    seeding) with the stack's known harmless warnings filtered."""
    from mmkd.engine.runner import build_runner
    from mmkd.utils.quiet import quiet_known_warnings
    quiet_known_warnings()
    return build_runner(cfg)
