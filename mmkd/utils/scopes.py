"""Which registry scope a config dict is built in: one rule for every model mmkd builds.

OpenMMLab looks a ``type`` up in the config's ``default_scope``; nested types are looked up in
whatever scope is current when their parent builds them. mmkd applies one rule on top of that,
wherever a model is built (a student, a teacher, a top-level model, a data preprocessor):

1. ``_scope_='mmpretrain'`` in the dict wins;
2. else a scope prefix on the type (``'mmpretrain.ImageClassifier'``) is the scope;
3. else an unprefixed type is looked up in mmkd, then in mmpretrain, and built where it is found.

The whole dict, nested types included, is then built in that scope, so unprefixed nested types
(``'ResNet'``, ``'LinearClsHead'``) resolve in the model's own package. mmkd's own parts of an
algorithm (distiller, recorders, connectors, losses, loss-weight schedules) are always built in
mmkd's scope, whatever the file's ``default_scope`` is.
"""
import copy
from contextlib import contextmanager
from typing import Optional

from mmengine.registry import DefaultScope

MMKD_SCOPE = 'mmkd'


@contextmanager
def mmkd_scope():
    """Build mmkd components here, whatever the config's ``default_scope`` is."""
    with DefaultScope.overwrite_default_scope(MMKD_SCOPE):
        yield


def _known_in(scope: str, obj_type: str) -> bool:
    if scope == MMKD_SCOPE:
        from mmkd.registry import MODELS
        MODELS.import_from_location()
        return obj_type in MODELS.module_dict
    try:
        from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    except ImportError:  # pragma: no cover - mmpretrain is a dependency
        return False
    MMPRETRAIN_MODELS.import_from_location()
    return obj_type in MMPRETRAIN_MODELS.module_dict


def model_scope(cfg: dict) -> Optional[str]:
    """The scope ``cfg`` (a model config dict) builds in, by the rule above; None if unknown."""
    if cfg.get('_scope_'):
        return cfg['_scope_']
    obj_type = cfg.get('type')
    if not isinstance(obj_type, str):
        return None
    if '.' in obj_type:
        return obj_type.split('.', 1)[0]
    for scope in (MMKD_SCOPE, 'mmpretrain'):
        if _known_in(scope, obj_type):
            return scope
    return None


def with_model_scope(cfg: dict) -> dict:
    """A copy of ``cfg`` with ``_scope_`` set by the rule, for code that builds it through a
    plain MMEngine registry (the runner's top-level ``model``)."""
    if not isinstance(cfg, dict) or cfg.get('_scope_') or not isinstance(cfg.get('type'), str):
        return cfg
    scope = model_scope(cfg)
    if scope is None:
        return cfg
    cfg = copy.copy(cfg)
    cfg['_scope_'] = scope
    return cfg
