"""One teacher of an algorithm: a frozen teacher, a trained one, a peer, an EMA copy of the
student or a cache of a teacher's outputs, built from one dict."""
import copy
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError, check_keys
from ..utils.model_builder import (build_data_preprocessor, build_model,
                                   check_preprocessor_classes)
from .lean import check_lean_options, make_lean, run_lean
from .loading import (exclude_from_checkpoints, ignore_loaded_entries, load_teacher_checkpoint,
                      set_norm_layers_eval, set_norm_layers_train)

POLICIES = ('frozen', 'trainable', 'ema', 'cached')
# the policies whose weights the algorithm's checkpoints hold (trained or averaged ones)
SAVED_POLICIES = ('trainable', 'ema')
TEACHER_KEYS = ('model', 'ckpt', 'policy', 'data_preprocessor', 'lean', 'norm_train',
                'norm_eval', 'ema_momentum', 'cache', 'early_exit')


def nested_keys(key: str) -> Callable[[str], str]:
    """Config keys of a teacher given as one dict at ``key`` (``model.teachers.t1.ckpt``)."""
    return lambda field: f'{key}.{field}'


class Teacher:
    """A model other than the student that an algorithm runs each step to record from.

    Built from one dict, whatever the algorithm (``SingleTeacherDistill``'s ``teacher_*``
    keywords, an entry of ``MultiTeacherDistill.teachers``, a peer of ``MutualLearning``):

    - ``model``: a model config (or ``cfg_path``) or module; for an EMA teacher None means a
      copy of the student's architecture.
    - ``ckpt``: a local checkpoint, loaded with every key matching (required when frozen).
    - ``policy``: ``'frozen'`` (loaded, no gradients, eval mode, run under ``no_grad`` only
      as far as its records need, not saved in checkpoints), ``'trainable'`` (trained with its
      own task loss, logged as ``NAME.<loss>``, saved), ``'ema'`` (the student's exponential
      moving average, kept by ``EMATeacherHook``, saved) or ``'cached'`` (a frozen teacher
      whose records are read from a teacher-output cache: neither built nor loaded).
    - ``data_preprocessor``: a ``ClsDataPreprocessor`` config for a teacher trained with
      another normalisation; the batch is re-normalised for it.
    - ``lean``: a frozen teacher's lean options (``channels_last``, ``autocast``, ``compile``).
    - ``norm_train``: a frozen teacher's norm layers in train mode (batch statistics, running
      statistics then saved); ``norm_eval``: a trainable teacher's norm layers in eval mode
      (default True; a peer of mutual learning trains them).
    - ``ema_momentum``: m in θ_t <- m·θ_t + (1 - m)·θ_s (default 0.999).
    - ``cache``: the cache of a ``'cached'`` teacher (``dict(dir=..., topk=k)`` or
      ``full_logits=True``; see ``docs/teacher_cache.md``).
    - ``early_exit``: stop a pass without gradients once every record is taken (default True).

    The teacher's modules live in the algorithm, at ``path`` (its model) and
    ``preprocessor_path``, so checkpoints keep their keys; this object says how to build,
    load, freeze, run and save them.

    Args:
        name (str): the record source name (``'teacher'``, a teacher's or a peer's name).
        cfg (dict): the teacher's dict, keys as above.
        keys (callable): the config key of each field, for messages (``nested_keys(key)``, or
            the ``teacher_*`` keywords of ``SingleTeacherDistill``).
        path (str): the module path of its model in the algorithm (``'teacher'``,
            ``'teachers.t1'``); ``preprocessor_path`` likewise.
        policies (tuple): the policies this algorithm accepts.
        defaults (dict): defaults of the fields the algorithm sets otherwise (a peer's
            ``policy='trainable', norm_eval=False``).
    """

    def __init__(self, name: str, cfg: dict, keys: Callable[[str], str], path: str,
                 preprocessor_path: str, policies=POLICIES,
                 defaults: Optional[dict] = None) -> None:
        where = keys('model').rpartition('.')[0] or 'model'
        if not isinstance(cfg, dict):
            raise KDConfigError(f'{where} must be dict(model=..., ckpt=...), got {cfg!r}')
        check_keys(cfg, TEACHER_KEYS, where)
        cfg = dict(defaults or {}, **cfg)
        self.name, self.keys, self.path, self.preprocessor_path = name, keys, path, preprocessor_path
        self.policy = cfg.get('policy') or 'frozen'
        if self.policy not in policies:
            raise KDConfigError(f'{keys("policy")}={self.policy!r} is not valid; choose one of '
                                f'{list(policies)}')
        if 'model' not in cfg and self.policy != 'ema':
            raise KDConfigError(f'{keys("model")} is required (a model config, or a '
                                "dict(cfg_path='mmpretrain::...'))")
        self.model_cfg = cfg.get('model')
        self.ckpt = cfg.get('ckpt')
        self.preprocessor_cfg = cfg.get('data_preprocessor')
        self.norm_train = bool(cfg.get('norm_train', False))
        self.norm_eval = bool(cfg.get('norm_eval', True))
        self.early_exit = bool(cfg.get('early_exit', True))
        self.cache_cfg = cfg.get('cache')
        if self.norm_train and self.policy not in ('frozen', 'ema'):
            raise KDConfigError(f'{keys("norm_train")} is for a frozen teacher; a trainable '
                                f'teacher\'s norm layers follow {keys("norm_eval")}')
        self.lean = check_lean_options(cfg.get('lean'), keys('lean'), self.policy)
        momentum = cfg.get('ema_momentum', 0.999)
        if not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise KDConfigError(f'{keys("ema_momentum")} must be in [0, 1), got {momentum!r}')
        self.ema_momentum = float(momentum)
        if (self.policy == 'cached') != (self.cache_cfg is not None):
            raise KDConfigError(f'{keys("cache")} and {keys("policy")}=\'cached\' go together: '
                                'a cached teacher reads its records from a teacher-output cache')
        if self.policy == 'cached' and self.norm_train:
            raise KDConfigError(f'{keys("cache")} is for a frozen teacher in eval mode '
                                f'({keys("norm_train")}=True)')
        self.module: Optional[nn.Module] = None
        self.preprocessor: Optional[nn.Module] = None
        self.cache = None  # the opened cache of a 'cached' teacher

    # ------------------------------------------------------------------ what it is
    @property
    def trainable(self) -> bool:
        return self.policy == 'trainable'

    @property
    def runs(self) -> bool:
        """Whether the teacher is a model that runs (not a cache, built)."""
        return self.module is not None

    @property
    def saved(self) -> bool:
        """Whether checkpoints hold its weights (trained or averaged ones)."""
        return self.policy in SAVED_POLICIES

    @property
    def loaded_from_checkpoint(self) -> bool:
        return self.ckpt is not None

    # ------------------------------------------------------------------ building
    def build(self, student: nn.Module) -> Optional[nn.Module]:
        """Build (and load) the model; None for a cached teacher, which is never built."""
        if self.policy == 'cached':
            return None
        module = self.build_architecture(student)
        if self.ckpt is not None:
            load_teacher_checkpoint(module, self.ckpt, self.keys('ckpt'))
        elif self.policy == 'frozen':
            raise KDConfigError(
                f'{self.keys("ckpt")} is required: a frozen teacher with random weights would '
                'distil noise. Give the path of a trained teacher checkpoint, or train it with '
                "the student (policy 'trainable') or use the student's moving average ('ema').")
        if not self.trainable:
            module.requires_grad_(False)
        make_lean(module, self.lean)
        self.module = module
        if self.preprocessor_cfg is not None:
            self.preprocessor = build_data_preprocessor(self.preprocessor_cfg,
                                                        self.keys('data_preprocessor'))
            check_preprocessor_classes(module, self.preprocessor, self.keys('model'),
                                       self.keys('data_preprocessor'))
        return module

    def build_architecture(self, student: nn.Module) -> nn.Module:
        """The network without its weights (a cached teacher's too, e.g. to probe shapes)."""
        if self.model_cfg is None:  # an EMA teacher with the student's architecture
            return copy.deepcopy(student)
        return build_model(self.model_cfg, self.keys('model'))

    def install(self, algorithm: nn.Module, distiller) -> None:
        """After the distiller's recorders are on the model: early exit for a pass without
        gradients, and a frozen teacher left out of the algorithm's checkpoints (it is
        rebuilt from its own; the running statistics of norm layers in train mode stay)."""
        if self.module is None:
            return
        if self.name in distiller.sources:
            distiller.set_early_exit(self.name, self.early_exit and not self.trainable)
        if self.policy == 'frozen':
            exclude_from_checkpoints(algorithm, self.path, keep_norm_stats=self.norm_train)

    def ignore_in_checkpoints(self, algorithm: nn.Module) -> None:
        """For an algorithm that did not build this teacher (test, inference): the teacher's
        entries of a training checkpoint (a trained teacher) are dropped when loading."""
        ignore_loaded_entries(algorithm, self.path, self.preprocessor_path)

    # ------------------------------------------------------------------ each step
    def set_mode(self, mode: bool) -> None:
        """The teacher's train/eval mode when the algorithm's is ``mode``: eval unless it
        trains (norm layers as its options say)."""
        if self.module is None:
            return
        if self.trainable:
            self.module.train(mode)
            if mode and self.norm_eval:
                set_norm_layers_eval(self.module)
            return
        self.module.eval()
        if mode and self.norm_train:
            set_norm_layers_train(self.module)

    def record(self, distiller, inputs: torch.Tensor, data_samples) -> Dict[str, torch.Tensor]:
        """Run the teacher inside its recorders (or serve its records from the cache); returns
        its own task losses (a trainable teacher), prefixed with its name. A frozen teacher
        runs without gradients unless ``inputs`` requires them (synthesized images that learn
        through the teacher's records)."""
        if self.cache is not None:
            self.cache.record(distiller, self.name, data_samples, inputs.device)
            return {}
        if self.trainable:
            losses = distiller.record(
                self.name, lambda: self.module(inputs, data_samples, mode='loss'), grad=True,
                required=True)
            return {f'{self.name}.{k}': v for k, v in losses.items()}
        # inputs that need gradients (a generator's images) get them through the teacher
        distiller.record(self.name, lambda: run_lean(
            self.lean, inputs, lambda x: self.module(x, data_samples, mode='tensor'),
            distiller.sources[self.name]), grad=inputs.requires_grad)
        return {}


def teachers_as_modules(teachers: Dict[str, Teacher]) -> Dict[str, nn.Module]:
    """The built models of ``teachers``, by name."""
    return {name: t.module for name, t in teachers.items() if t.module is not None}


def check_names(names: List[str], where: str) -> None:
    if 'student' in names:
        raise KDConfigError(f"{where}: 'student' is the architecture's name; give the other "
                            'models other names')


def policy_from_flags(policy: Optional[str], trainable: bool, cache: Optional[dict],
                      key: Callable[[str], str]) -> str:
    """The policy of ``SingleTeacherDistill``'s keywords: ``teacher_policy``, or
    ``'trainable'`` for ``teacher_trainable=True``, ``'cached'`` for ``teacher_cache``."""
    resolved = policy or ('trainable' if trainable else 'cached' if cache is not None
                          else 'frozen')
    if trainable and resolved != 'trainable':
        raise KDConfigError(f'model.teacher_trainable=True contradicts {key("policy")}='
                            f'{resolved!r}')
    if cache is not None and resolved == 'frozen':
        resolved = 'cached'
    if cache is not None and resolved != 'cached':
        raise KDConfigError(f'{key("cache")} is for a frozen teacher in eval mode '
                            f'({key("policy")}={resolved!r})')
    return resolved


__all__ = ['Teacher', 'POLICIES', 'SAVED_POLICIES', 'TEACHER_KEYS', 'nested_keys', 'teachers_as_modules',
           'check_names', 'policy_from_flags']
