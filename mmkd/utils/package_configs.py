"""``mmkd::`` config paths: mmkd's configs, reachable from a config in any folder.

MMEngine resolves ``_base_ = ['mmpretrain::_base_/...']`` through a fixed table of OpenMMLab
packages and the package's installed ``.mim/configs`` folder. mmkd adds itself to that table
and resolves ``mmkd::`` paths itself, because an editable install (``pip install -e .``, as
``make`` does) has no ``.mim`` folder where MMEngine looks: the configs are then read from the
source checkout's ``configs/``; a wheel install ships them as ``mmkd/.mim/configs``.
Only ``mmkd::`` paths take this route; every other path is MMEngine's own.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.config import utils as config_utils

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def mmkd_config_root() -> str:
    """The folder ``mmkd::`` paths point into: ``mmkd/.mim/configs`` when the configs were
    installed with the package (a wheel), else the source checkout's ``configs/``."""
    for root in (osp.join(PACKAGE_DIR, '.mim', 'configs'),
                 osp.join(osp.dirname(PACKAGE_DIR), 'configs')):
        if osp.isdir(osp.join(root, '_base_')):
            return root
    raise FileNotFoundError(
        f'mmkd is installed at {PACKAGE_DIR} without its configs (neither .mim/configs in the '
        'package nor configs/ beside it): reinstall it from a wheel or a source checkout.')


def resolve_mmkd_config(path: str) -> str:
    """The file of ``'mmkd::rel/path.py'`` (or of ``rel/path.py``); a clear error if absent."""
    rel = path.split('::', 1)[1] if '::' in path else path
    full = osp.join(mmkd_config_root(), rel)
    if not osp.isfile(full):
        folder = osp.dirname(full)
        near = ''
        if osp.isdir(folder):
            import difflib
            import os
            close = difflib.get_close_matches(osp.basename(rel), os.listdir(folder), n=3)
            near = f' Did you mean {", ".join(close)}?' if close else ''
        raise FileNotFoundError(f'{path!r}: there is no {rel} in mmkd\'s configs '
                                f'({mmkd_config_root()}).{near}')
    return full


_original_get_cfg_path = Config._get_cfg_path


def _get_cfg_path(cfg_path: str, filename: str):
    if cfg_path.startswith('mmkd::'):
        return resolve_mmkd_config(cfg_path), 'mmkd'
    return _original_get_cfg_path(cfg_path, filename)


def register_mmkd_config_scheme() -> None:
    """Let MMEngine configs inherit ``mmkd::`` bases (idempotent)."""
    config_utils.MODULE2PACKAGE.setdefault('mmkd', 'mmkd')
    if Config.__dict__['_get_cfg_path'].__func__ is not _get_cfg_path:
        Config._get_cfg_path = staticmethod(_get_cfg_path)
