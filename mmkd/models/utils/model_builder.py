"""Build a model from a config dict, a ``cfg_path='pkg::file.py'`` reference, or a module."""
import copy
import os
import os.path as osp
from typing import Optional, Union

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from mmkd.registry import MODELS
from mmkd.utils.component_seed import seeded_component
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.package_configs import resolve_mmkd_config
from mmkd.utils.scopes import model_scope

# mmpretrain's ImageClassifier builds a data preprocessor without a ``type`` as this one; a
# stock mmpretrain dataset config (``data_preprocessor = dict(num_classes=..., mean=...)``)
# relies on that, so mmkd does the same wherever it builds a preprocessor.
DEFAULT_DATA_PREPROCESSOR = 'mmpretrain.ClsDataPreprocessor'


def _load_packaged_config(cfg_path: str) -> Config:
    if cfg_path.startswith('mmkd::'):
        return Config.fromfile(resolve_mmkd_config(cfg_path))
    if '::' not in cfg_path:  # a config file of the user's own
        if not osp.isfile(osp.expanduser(cfg_path)):
            raise FileNotFoundError(f'no such file (from {os.getcwd()})')
        return Config.fromfile(osp.expanduser(cfg_path))
    from mmengine.hub import get_config
    return get_config(cfg_path)


def _from_cfg_path(cfg: dict, key: str) -> dict:
    """Load ``model`` from a packaged config and merge the remaining keys of ``cfg`` into it."""
    cfg = dict(cfg)
    cfg_path = cfg.pop('cfg_path')
    if cfg.pop('pretrained', False):
        raise KDConfigError(
            f'{key}.pretrained=True would download weights, and mmkd never downloads at run '
            'time. Set pretrained=False and give a local checkpoint (e.g. teacher_ckpt).')
    try:
        base = _load_packaged_config(cfg_path)
    except Exception as e:  # mmengine raises several types for a bad path
        raise KDConfigError(
            f'{key}.cfg_path={cfg_path!r} could not be loaded ({e}). It must look like '
            "'mmkd::_base_/models/cifar/resnet8x4.py' or "
            "'mmpretrain::resnet/resnet18_8xb16_cifar10.py' or be the path of a config file.") from e
    if not isinstance(base.get('model'), dict):
        raise KDConfigError(f'{key}.cfg_path={cfg_path!r} has no `model` dict to build')
    model_cfg = copy.deepcopy(base.model)
    if 'data_preprocessor' in base and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = copy.deepcopy(base.data_preprocessor)
    model_cfg = Config._merge_a_into_b(ConfigDict(cfg), model_cfg)
    if '::' in cfg_path:
        # The package's own unprefixed types (its configs' default scope).
        model_cfg.setdefault('_scope_', cfg_path.split('::', 1)[0])
    elif model_scope(model_cfg) is None and base.get('default_scope'):
        model_cfg['_scope_'] = base.default_scope
    return model_cfg


def build_model(cfg: Union[dict, nn.Module], key: str) -> nn.Module:
    """Build a model (student, teacher, data preprocessor, ...) named ``key`` in the config.

    Args:
        cfg: an ``nn.Module`` (returned as is), a registry config dict, or
            ``dict(cfg_path='mmpretrain::path/to/config.py', **overrides)`` (also
            ``'mmkd::...'`` or the path of a config file of one's own), where the overrides
            are merged into that config's ``model`` (e.g. ``head=dict(num_classes=10)``).
            The scope it builds in follows :mod:`mmkd.utils.scopes`.
        key: the config key, used in error messages (e.g. ``'model.teacher'``). Without its
            ``model.`` prefix it is also the component's name for seeding: the model is
            built with torch's generator seeded from the run's seed and that name
            (:mod:`mmkd.utils.component_seed`), so its weights do not depend on what else
            was built before it.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict):
        raise KDConfigError(
            f'{key} must be a model config dict (with "type" or "cfg_path"), got {type(cfg).__name__}')
    cfg = copy.deepcopy(cfg)
    if 'cfg_path' in cfg:
        cfg = _from_cfg_path(cfg, key)
    if 'type' not in cfg:
        raise KDConfigError(f'{key} needs a "type" (or a "cfg_path"); it has keys {sorted(cfg)}')
    scope = model_scope(cfg)
    cfg.pop('_scope_', None)
    try:
        with DefaultScope.overwrite_default_scope(scope), seeded_component(seed_key(key)):
            return MODELS.build(cfg)
    except KeyError as e:
        raise KDConfigError(f'{key}: {e.args[0] if e.args else e}') from e


def seed_key(key: str) -> str:
    """The seeding name of the component at config key ``key``: the key without its
    ``model.`` prefix (``'model.architecture'`` -> ``'architecture'``)."""
    return key[len('model.'):] if key.startswith('model.') else key


def typed_data_preprocessor(cfg: dict) -> dict:
    """A preprocessor config with its ``type``: without one it is a ``ClsDataPreprocessor``, as
    in mmpretrain's own classifiers."""
    if 'type' in cfg or 'cfg_path' in cfg:
        return cfg
    return dict(cfg, type=DEFAULT_DATA_PREPROCESSOR)


def algorithm_data_preprocessor(cfg) -> Optional[dict]:
    """The preprocessor config of a run's model: ``model.data_preprocessor``, else the top-level
    ``data_preprocessor`` (the runner merges it into ``model``); None if neither is set."""
    return cfg.get('model', {}).get('data_preprocessor') or cfg.get('data_preprocessor')


def build_data_preprocessor(cfg: Union[dict, nn.Module, None], key: str) -> Optional[nn.Module]:
    """Build a data preprocessor (see :func:`typed_data_preprocessor` for a dict)."""
    if isinstance(cfg, dict):
        cfg = typed_data_preprocessor(cfg)
    return None if cfg is None else build_model(cfg, key)


def check_preprocessor_classes(model: nn.Module, preprocessor: Optional[nn.Module],
                               model_key: str, preprocessor_key: str) -> None:
    """Refuse a data preprocessor whose ``num_classes`` (what its batch augments and one-hot
    labels use) differs from the classes of ``model``'s head."""
    expected = getattr(preprocessor, 'num_classes', None)
    head = getattr(model, 'head', None)
    got = getattr(head, 'num_classes', None)
    if isinstance(expected, int) and isinstance(got, int) and expected != got:
        raise KDConfigError(
            f'{preprocessor_key}.num_classes={expected} but {model_key}.head.num_classes={got}: '
            'the labels (and Mixup/CutMix targets) would be made for another number of classes '
            'than the model predicts. Set both to the number of classes of the dataset.')


def algorithm_class(model_cfg: dict, key: str = 'model.type') -> type:
    """The registered class a model config builds (an mmkd algorithm, or any model), found
    in the scope the model is built in (:mod:`mmkd.utils.scopes`)."""
    name = model_cfg.get('type') if isinstance(model_cfg, dict) else None
    if isinstance(name, type):
        return name
    if not isinstance(name, str):
        raise KDConfigError(f'{key} is missing: the model config needs a "type"')
    scope = model_scope(model_cfg)
    if '.' not in name and scope not in (None, 'mmkd'):
        name = f'{scope}.{name}'  # mmkd's registry finds another package's types by prefix
    cls = MODELS.get(name)
    if cls is None:
        raise KDConfigError(f'{key}={name!r} is not registered (is its module in '
                            'custom_imports?)')
    return cls
