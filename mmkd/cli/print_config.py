"""Print a config as the runner sees it: ``tools/misc/print_config.py CONFIG`` (or
``mmkd-print-config``).

Bases are merged and ``--cfg-options`` applied; with ``--expand-models`` every
``cfg_path='pkg::file.py'`` model (student, teacher, ...) is replaced by the model config it
names, with its overrides merged in, so the printout shows exactly what will be built.
"""
import argparse

from mmengine.config import Config, DictAction

import mmkd  # noqa: F401  (mmkd:: configs)
from .common import load_config, run_cli


def expand_models(obj, key: str = 'model'):
    """``obj`` with every ``dict(cfg_path=..., **overrides)`` replaced by the model it names."""
    from mmkd.models.utils.model_builder import _from_cfg_path
    if isinstance(obj, dict):
        if 'cfg_path' in obj:
            obj = _from_cfg_path(obj, key).to_dict()
        return {k: expand_models(v, f'{key}.{k}') for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(expand_models(v, f'{key}[{i}]') for i, v in enumerate(obj))
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, as in tools/train.py')
    parser.add_argument('--expand-models', action='store_true',
                        help="replace cfg_path='pkg::file.py' models by their configs")
    args = parser.parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    if args.expand_models and isinstance(cfg.get('model'), dict):
        cfg = Config(dict(cfg.to_dict(), model=expand_models(cfg.model.to_dict())))
    print(cfg.pretty_text)


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
