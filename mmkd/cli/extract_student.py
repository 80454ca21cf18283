"""Write the student of a distillation checkpoint as a plain mmpretrain model.

    tools/model_converters/extract_student.py KD_CKPT OUT_CKPT \\
        [--config KD_CONFIG --out-config STUDENT_CONFIG]      (or ``mmkd-extract-student``)

The checkpoint holds ``state_dict`` (the student's weights, without the ``architecture.``
prefix) and a small ``meta`` of plain types, so it loads weights-only anywhere. The config
(with ``--config``) is a flat mmpretrain config of the student alone: ``default_scope=
'mmpretrain'``, no ``mmkd::`` bases, no ``mmpretrain.`` prefixes (mmpretrain's tools compare
transform names, e.g. the inferencer drops ``'LoadImageFromFile'``), the preprocessor the
student was trained with, and the test/val data and metrics. Types that only mmkd has
(a CIFAR-zoo backbone, the digits dataset) keep an ``mmkd.`` prefix; only such a config needs
mmkd installed, and MMEngine imports it by that prefix.
"""
import argparse
import copy
import os.path as osp
from typing import Optional

from mmengine.config import Config

from mmkd.utils import load_checkpoint_file
from mmkd.utils.checkpoint import save_checkpoint_file
from mmkd.utils.config_errors import KDConfigError
from .common import load_config, run_cli

PREFIX = 'architecture.'
PLAIN_META = ('epoch', 'iter', 'dataset_meta', 'seed', 'mmengine_version', 'experiment_name')
# What a test or an inference of the student needs from the distillation config.
KEPT_KEYS = ('test_dataloader', 'test_evaluator', 'test_cfg', 'val_dataloader', 'val_evaluator',
             'val_cfg', 'env_cfg', 'log_level', 'log_processor', 'visualizer', 'vis_backends',
             'randomness', 'launcher')


def prefixed_weights(checkpoint: dict, src: str, prefix: str = PREFIX) -> dict:
    """The weights under ``prefix`` of a loaded checkpoint (of file ``src``), without it."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    weights = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not weights:
        raise KDConfigError(
            f'{src} has no "{prefix}*" weights: it is not a distillation checkpoint of mmkd '
            '(a plain model checkpoint needs no extraction).')
    return weights


def extract_student(src: str, dst: str, prefix: str = PREFIX) -> dict:
    """Save the student of ``src`` to ``dst``; return the saved checkpoint."""
    checkpoint = load_checkpoint_file(src, map_location='cpu')
    student = {k: v.clone() for k, v in prefixed_weights(checkpoint, src, prefix).items()}
    meta = {k: copy.deepcopy(v) for k, v in checkpoint.get('meta', {}).items() if k in PLAIN_META}
    meta['extracted_from'] = osp.basename(src)
    out = dict(meta=meta, state_dict=student)
    save_checkpoint_file(out, dst)
    return out


def _mmkd_names() -> set:
    """Every name only mmkd's own registries have. Names mmkd registers again under MMEngine's
    (its kill-safe ``CheckpointHook``) stay unprefixed: MMEngine's own serves a test."""
    from mmkd import registry
    names = set()
    for reg in vars(registry).values():
        if isinstance(reg, registry.Registry) and reg.scope == 'mmkd':
            reg.import_from_location()
            names.update(n for n in reg.module_dict if n not in reg.parent.module_dict)
    return names


def _plain(obj, scope: str, mmkd_names: set):
    """``obj`` with every type written for ``default_scope='mmpretrain'`` (see module doc)."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v, scope, mmkd_names) for v in obj)
    if not isinstance(obj, dict):
        return obj
    obj = dict(obj)
    scope = obj.pop('_scope_', None) or scope
    t = obj.get('type')
    if isinstance(t, str):
        if t.startswith('mmpretrain.'):
            t = t[len('mmpretrain.'):]
        elif '.' not in t and scope == 'mmkd' and t in mmkd_names:
            t = f'mmkd.{t}'
        obj['type'] = t
        # Nested types of a prefixed model are built in its package (mmkd's scope rule).
        if '.' in t and t.split('.', 1)[0] in ('mmkd', 'mmpretrain'):
            scope = t.split('.', 1)[0]
    return {k: _plain(v, scope, mmkd_names) for k, v in obj.items()}


def exported_model(cfg: Config, model: Optional[str] = None):
    """``(config key, model config, weight prefix)`` of the model to export: the student
    (``architecture``) by default, else a named model that the algorithm's checkpoints hold
    (its :meth:`~mmkd.models.algorithms.BaseAlgorithm.models_in_config`): a trained or EMA
    teacher, a peer of ``MutualLearning``, a model of an algorithm of one's own."""
    from mmkd.models.algorithms import BaseAlgorithm
    from mmkd.models.utils.model_builder import algorithm_class
    cls = algorithm_class(cfg.get('model') or {})
    if not issubclass(cls, BaseAlgorithm):
        raise KDConfigError(f'model.type={cfg.model.type!r} is not an mmkd algorithm: the '
                            'config is not a distillation config of mmkd')
    entries = cls.models_in_config(cfg.model)
    name = model or 'student'
    entry = entries.get(name)
    if entry is None or not entry.saved:
        saved = [n for n, e in entries.items() if e.saved]
        why = (f'{cls.__name__} does not save {name!r} in its checkpoints (a frozen teacher '
               'is its own checkpoint)') if entry is not None else \
            f'the config has no such model to export'
        raise KDConfigError(f'--model {name!r}: {why}; choose one of {saved}')
    if entry.config is None:
        raise KDConfigError(f'{entry.key} is missing: the config does not say what {name!r} is')
    return entry.key, entry.config, entry.prefix


def student_config(kd_config, model: Optional[str] = None) -> Config:
    """A flat mmpretrain config of the student (or of the named model, see
    :func:`exported_model`) alone, from a distillation config (a path or a loaded
    :class:`Config`)."""
    from mmkd.models.utils.model_builder import (_from_cfg_path, algorithm_data_preprocessor,
                                                 typed_data_preprocessor)
    from mmkd.utils.scopes import model_scope
    cfg = kd_config if isinstance(kd_config, Config) else load_config(kd_config)
    key, arch, _ = exported_model(cfg, model)
    arch = copy.deepcopy(arch.to_dict())
    if 'cfg_path' in arch:
        arch = _from_cfg_path(arch, key).to_dict()
    arch['_scope_'] = model_scope(arch)
    # The preprocessor the student was trained with: the algorithm's, which the runner fills
    # from the top-level data_preprocessor, else the student's own.
    preprocessor = algorithm_data_preprocessor(cfg) or arch.get('data_preprocessor')
    if preprocessor is not None and str(preprocessor.get('type', '')).endswith(
            'MultiViewDataPreprocessor'):
        # the exported model reads one view (the test data's): each view's own preprocessing
        preprocessor = preprocessor['preprocessor']
    if preprocessor is not None:
        arch['data_preprocessor'] = typed_data_preprocessor(copy.deepcopy(dict(preprocessor)))
    default_scope = cfg.get('default_scope', 'mmpretrain')
    names = _mmkd_names()
    out = dict(default_scope='mmpretrain', model=_plain(arch, default_scope, names))
    for key in KEPT_KEYS:
        if key in cfg:
            value = cfg[key]
            out[key] = _plain(value.to_dict() if hasattr(value, 'to_dict') else value,
                              default_scope, names)
    hooks = cfg.get('default_hooks')
    if hooks:
        out['default_hooks'] = {k: _plain(v.to_dict(), default_scope, names)
                                for k, v in hooks.items() if isinstance(v, dict)}
    return Config(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='distillation checkpoint (from tools/train.py)')
    parser.add_argument('dst', help='output checkpoint of the student alone')
    parser.add_argument('--prefix', help='key prefix of the weights to export (default: the '
                        "student's, or that of --model)")
    parser.add_argument('--model', help='export another model of the algorithm: a peer of '
                        "MutualLearning, or 'teacher' (a trained or EMA teacher); needs --config")
    parser.add_argument('--config', help='the distillation config (to write --out-config)')
    parser.add_argument('--out-config', help='write the student config here')
    args = parser.parse_args(argv)
    if bool(args.config) != bool(args.out_config):
        parser.error('--config and --out-config go together')
    if args.model and not args.config:
        parser.error('--model needs --config (and --out-config)')
    prefix = args.prefix
    if prefix is None:
        prefix = exported_model(load_config(args.config), args.model)[2] if args.model \
            else PREFIX
    out = extract_student(args.src, args.dst, prefix)
    print(f'wrote {len(out["state_dict"])} tensors ({prefix}*) to {args.dst}')
    if args.config:
        student_config(args.config, args.model).dump(args.out_config)
        print(f'wrote the model config to {args.out_config}')


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
