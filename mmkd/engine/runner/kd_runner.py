"""The runner mmkd's commands and scripted runs use: MMEngine's, with mmkd's defaults."""
import copy

from mmengine.config import Config
from mmengine.runner import Runner

from mmkd.utils.component_seed import STUDENT_KEY, seeded_component
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.dist_utils import setup_cpu_distributed
from mmkd.utils.quiet import quiet_runner_logger
from mmkd.utils.scopes import with_model_scope

# Hooks every run of mmkd's commands has, unless its config lists its own of the same type:
# checkpoints checked against the run, restorable random states, non-finite losses stopped,
# a progress bar on a terminal.
DEFAULT_CUSTOM_HOOKS = ('CheckpointFitHook', 'RandomStateHook', 'NonFiniteLossHook',
                        'TrainProgressHook')


class TextCachingConfig(Config):
    """A config whose ``pretty_text`` is formatted once per content.

    MMEngine stores ``cfg.pretty_text`` in every checkpoint, and formatting it with yapf takes
    about 0.3 s: on a small model saved every epoch that was some 15% of the whole run.
    """

    @property
    def pretty_text(self) -> str:
        key = repr(self._cfg_dict)
        cached = self.__dict__.get('_mmkd_pretty_text')
        if cached is None or cached[0] != key:
            cached = (key, Config.pretty_text.fget(self))
            super(Config, self).__setattr__('_mmkd_pretty_text', cached)
        return cached[1]


class KDRunner(Runner):
    """MMEngine's runner, with these changes:

    - the environment and the config (some 250 lines) are logged once the model is built
      rather than just before: a config the model cannot be built from then ends the run with
      its error alone;
    - the model is built and initialised as the student of an mmkd algorithm is
      (:mod:`mmkd.utils.component_seed`), so a student trained alone and the same student
      distilled start from the same weights for the same seed;
    - a data preprocessor whose ``num_classes`` differs from the model head's is refused
      when the model is built (an algorithm checks its student the same way);
    - the config's text, which goes into every checkpoint, is formatted once
      (:class:`TextCachingConfig`);
    - in a distributed run, an mmkd algorithm is wrapped by
      :class:`~mmkd.models.algorithms.AlgorithmDataParallel` (MMEngine's DDP wrapper, whose
      training step is the algorithm's own) where the config names MMEngine's wrapper or none.
    """

    def __init__(self, *args, cfg=None, **kwargs):
        if isinstance(cfg, Config) and not isinstance(cfg, TextCachingConfig):
            cfg = copy.copy(cfg)
            object.__setattr__(cfg, '__class__', TextCachingConfig)
        super().__init__(*args, cfg=cfg, **kwargs)

    def _log_env(self, env_cfg: dict) -> None:
        self._deferred_env_cfg = env_cfg

    def build_model(self, model):
        from mmkd.models.utils.model_builder import check_preprocessor_classes
        with seeded_component(STUDENT_KEY):
            built = super().build_model(model)
        check_preprocessor_classes(built, getattr(built, 'data_preprocessor', None), 'model',
                                   'model.data_preprocessor (or the top-level '
                                   'data_preprocessor)')
        env_cfg = self.__dict__.pop('_deferred_env_cfg', None)
        if env_cfg is not None:
            super()._log_env(env_cfg)
        return built

    def wrap_model(self, model_wrapper_cfg, model):
        from mmengine.model import MMDistributedDataParallel, is_model_wrapper

        from mmkd.models.algorithms import BaseAlgorithm
        if not self.distributed or is_model_wrapper(model) or \
                not isinstance(model, BaseAlgorithm):
            return super().wrap_model(model_wrapper_cfg, model)
        if model_wrapper_cfg is None:
            model_wrapper_cfg = dict(broadcast_buffers=False, find_unused_parameters=self.cfg.get(
                'find_unused_parameters', False))
        wrapper_type = model_wrapper_cfg.get('type', 'MMDistributedDataParallel')
        if wrapper_type in ('MMDistributedDataParallel', 'mmengine.MMDistributedDataParallel',
                            MMDistributedDataParallel):
            model_wrapper_cfg = dict(model_wrapper_cfg, type='mmkd.AlgorithmDataParallel')
        if model.unused_parameters_in_steps:
            if model_wrapper_cfg.get('find_unused_parameters') is False and \
                    'find_unused_parameters' in (self.cfg.get('model_wrapper_cfg') or {}):
                raise KDConfigError(
                    f'model_wrapper_cfg.find_unused_parameters=False: {type(model).__name__} '
                    'leaves some trained parameters without gradients in some passes of a '
                    'step, which DDP only allows with find_unused_parameters=True')
            model_wrapper_cfg = dict(model_wrapper_cfg, find_unused_parameters=True)
        return super().wrap_model(model_wrapper_cfg, model)

    def _init_model_weights(self) -> None:
        with seeded_component(f'{STUDENT_KEY}.init'):
            super()._init_model_weights()


def with_safe_checkpoints(cfg: Config) -> Config:
    """Kill-safe checkpoints and runs that cannot go wrong quietly: MMEngine's
    ``CheckpointHook`` becomes mmkd's (atomic writes, old files deleted after the new one is
    complete, never a checkpoint with non-finite weights), and the hooks of
    :data:`DEFAULT_CUSTOM_HOOKS` are added when the config lacks them."""
    from mmkd.engine.hooks import CheckpointHook
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if isinstance(checkpoint, dict) and checkpoint.get('type') in ('CheckpointHook',
                                                                   CheckpointHook):
        checkpoint['type'] = 'mmkd.CheckpointHook'
    hooks = list(cfg.get('custom_hooks') or [])
    for name in DEFAULT_CUSTOM_HOOKS:
        if not any(_hook_type_name(h).split('.')[-1] == name for h in hooks):
            hooks.append(dict(type=f'mmkd.{name}'))
    cfg.custom_hooks = hooks
    return cfg


def _hook_type_name(hook) -> str:
    kind = hook.get('type', '') if isinstance(hook, dict) else type(hook)
    return kind if isinstance(kind, str) else getattr(kind, '__name__', '')


def build_runner(cfg: Config) -> Runner:
    """The runner of ``cfg``: mmkd's scope rule applied to the top-level model, the safe
    defaults of :func:`with_safe_checkpoints`, gloo set up for several CPU processes, and
    :class:`KDRunner` unless the config names its own ``runner_type``."""
    if isinstance(cfg.get('model'), dict):
        cfg.model = with_model_scope(cfg.model)
    with_safe_checkpoints(cfg)
    setup_cpu_distributed(cfg, cfg.get('launcher', 'none'))
    runner_cls = Runner if 'runner_type' in cfg else KDRunner
    runner = runner_cls.from_cfg(cfg)
    quiet_runner_logger(runner)
    return runner
