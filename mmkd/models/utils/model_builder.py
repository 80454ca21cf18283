"""Build a model from a config dict, a ``cfg_path='pkg::file.py'`` reference, or a module."""
import copy
import os.path as osp
from typing import Optional, Union

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError


def _scope_of(cfg: dict) -> Optional[str]:
    """The registry scope a model config should be built in.

    ``_scope_`` wins; then the prefix of ``type`` (``'mmpretrain.ImageClassifier'`` builds in the
    ``mmpretrain`` scope, so its unprefixed nested types such as ``'ResNet'`` resolve there);
    an unprefixed type that only mmpretrain knows is built in mmpretrain's scope too.
    """
    if cfg.get('_scope_'):
        return cfg['_scope_']
    obj_type = cfg.get('type')
    if not isinstance(obj_type, str):
        return None
    if '.' in obj_type:
        return obj_type.split('.', 1)[0]
    if MODELS.get(obj_type) is None:
        try:
            from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
        except ImportError:  # pragma: no cover - mmpretrain is a dependency
            return None
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            if MMPRETRAIN_MODELS.get(obj_type) is not None:
                return 'mmpretrain'
    return None


def mmkd_config_root() -> str:
    """Where ``mmkd::`` config paths point: the configs installed with the package
    (``mmkd/.mim/configs``, OpenMMLab's layout) or, in a source checkout, ``configs/``."""
    package = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for root in (osp.join(package, '.mim', 'configs'), osp.join(osp.dirname(package), 'configs')):
        if osp.isdir(root):
            return root
    raise FileNotFoundError(f'no mmkd configs next to {package}')


def _load_packaged_config(cfg_path: str) -> Config:
    package, rel = cfg_path.split('::', 1) if '::' in cfg_path else ('', cfg_path)
    if package == 'mmkd':
        path = osp.join(mmkd_config_root(), rel)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} does not exist')
        return Config.fromfile(path)
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
            "'mmpretrain::resnet/resnet18_8xb16_cifar10.py'.") from e
    model_cfg = copy.deepcopy(base.model)
    if 'data_preprocessor' in base and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = copy.deepcopy(base.data_preprocessor)
    model_cfg = Config._merge_a_into_b(ConfigDict(cfg), model_cfg)
    package = cfg_path.split('::', 1)[0]
    model_cfg.setdefault('_scope_', package)
    return model_cfg


def build_model(cfg: Union[dict, nn.Module], key: str) -> nn.Module:
    """Build a model (student, teacher, data preprocessor, ...) named ``key`` in the config.

    Args:
        cfg: an ``nn.Module`` (returned as is), a registry config dict, or
            ``dict(cfg_path='mmpretrain::path/to/config.py', **overrides)``, where the overrides
            are merged into that config's ``model`` (e.g. ``head=dict(num_classes=10)``).
        key: the config key, used in error messages (e.g. ``'model.teacher'``).
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
    scope = _scope_of(cfg)
    cfg.pop('_scope_', None)
    try:
        with DefaultScope.overwrite_default_scope(scope):
            return MODELS.build(cfg)
    except KeyError as e:
        raise KDConfigError(f'{key}: {e.args[0] if e.args else e}') from e
