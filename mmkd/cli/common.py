"""What every mmkd command does the same way: load the config, keep the console readable, and
end a run that cannot start with the one message that matters."""
import os
import os.path as osp
import sys
import traceback
from typing import Callable, Optional, Sequence

from mmengine.config import Config

from mmkd.utils.checkpoint import CheckpointFileError, UnsafeCheckpointError
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.quiet import quiet_known_warnings, quiet_runner_logger  # noqa: F401

DEBUG_ENV = 'MMKD_DEBUG'


def add_run_arguments(parser, cfg_options_help: str = 'override config keys') -> None:
    """The flags every runner command takes: ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    from mmengine.config import DictAction
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=cfg_options_help)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_run_arguments(parser, argv=None):
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank`` instead."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config as MMEngine does, plus:

    - modules named in ``custom_imports`` are also found in the config's own folder (searched
      after ``sys.path``, so nothing installed is shadowed);
    - a module that cannot be imported, or a missing file, is a :class:`KDConfigError` that says
      where Python looked.
    """
    if not osp.isfile(path):
        raise KDConfigError(f'config file {path!r} does not exist')
    folder = osp.dirname(osp.abspath(path))
    if folder not in sys.path:
        sys.path.append(folder)
    try:
        cfg = Config.fromfile(path)
    except ImportError as e:
        # MMEngine's words for a failed custom_imports (in this file or in one of its bases)
        if 'Failed to import custom modules' not in str(e):
            raise
        cause = e
        while cause.__cause__ is not None or cause.__context__ is not None:
            cause = cause.__cause__ or cause.__context__
        raise KDConfigError(
            f'custom_imports in {path}: {type(cause).__name__}: {cause}. Python looked on '
            f'sys.path and in the config\'s folder {folder}. Put the folder that holds your '
            'module on PYTHONPATH (e.g. `PYTHONPATH=/path/to/my_code python tools/train.py '
            '...`), install it as a package, or place the module beside the config.') from e
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _message(e: BaseException) -> str:
    """The error's own words, without the ``class `X` in path.py:`` prefixes MMEngine's
    builder adds at each level of nesting."""
    text = str(e)
    while text.startswith('class `') and '.py: ' in text:
        text = text.split('.py: ', 1)[1]
    return text


def run_cli(main: Callable[[Optional[Sequence[str]]], object],
            argv: Optional[Sequence[str]] = None):
    """Run a command; a config that cannot train what it says or a checkpoint that cannot be
    used (exit status 2), or a run stopped by non-finite values (exit status 1), ends it with
    its message last.

    The traceback of such an error is printed only with ``MMKD_DEBUG=1`` in the environment;
    every other exception propagates with its full traceback, as usual. Returns None (the exit
    status of a console script), whatever ``main`` returns.
    """
    from mmkd.engine.hooks import NonFiniteError
    quiet_known_warnings()
    try:
        main(argv)
    except (KDConfigError, CheckpointFileError, UnsafeCheckpointError, NonFiniteError) as e:
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        sys.stderr.flush()
        kind = 'config error' if isinstance(e, KDConfigError) else \
            'non-finite values' if isinstance(e, NonFiniteError) else 'checkpoint error'
        print(f'\nmmkd: {kind}: {_message(e)}\n'
              f'(set {DEBUG_ENV}=1 for the traceback)', file=sys.stderr)
        raise SystemExit(1 if isinstance(e, NonFiniteError) else 2)
