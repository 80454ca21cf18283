"""What every mmkd command does the same way: load the config, keep the console readable, and
end a run that cannot start with the one message that matters."""
import logging
import os
import os.path as osp
import shlex
import sys
import traceback
from typing import Callable, Optional, Sequence

from mmengine.config import Config

from mmkd.utils.checkpoint import CheckpointFileError, UnsafeCheckpointError
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.resume import RunComplete
from mmkd.utils.quiet import quiet_known_warnings, quiet_runner_logger  # noqa: F401

DEBUG_ENV = 'MMKD_DEBUG'


def add_run_arguments(parser, cfg_options_help: str = 'override config keys') -> None:
    """The flags every runner command takes: ``--cfg-options``, ``--launcher``,
    ``--local-rank``, ``--threads``."""
    from mmengine.config import DictAction
    from mmkd.utils.threads import THREADS_HELP
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=cfg_options_help)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--threads', default='auto', help=THREADS_HELP)


def parse_run_arguments(parser, argv=None):
    """Parse, export ``LOCAL_RANK`` for launchers that pass ``--local-rank`` instead, and set
    torch's thread count (``args.threads_line`` says what was chosen, for the run's log)."""
    from mmkd.utils.threads import apply_threads
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    args.threads_line = apply_threads(args.threads)
    return args


def program_name() -> str:
    """How the user ran this command: ``mmkd-train`` or ``python tools/train.py``."""
    prog = sys.argv[0] if sys.argv and sys.argv[0] else 'mmkd'
    if osp.basename(prog).startswith('mmkd-'):
        return osp.basename(prog)
    return f'python {prog}' if prog.endswith('.py') else prog


def resume_command() -> str:
    """This command line with ``--resume`` (in place of any ``--resume [PATH]`` it had)."""
    args, skip = [], False
    for i, arg in enumerate(sys.argv[1:]):
        if skip:
            skip = False
            continue
        if arg == '--resume':
            following = sys.argv[2 + i] if 2 + i < len(sys.argv) else None
            skip = following is not None and not following.startswith('-')
            continue
        if arg.startswith('--resume='):
            continue
        args.append(arg)
    return ' '.join([program_name(), *(shlex.quote(a) for a in args), '--resume'])


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config as MMEngine does, plus:

    - modules named in ``custom_imports`` are also found in the config's own folder (searched
      after ``sys.path``, so nothing installed is shadowed);
    - a module that cannot be imported, or a missing file, is a :class:`KDConfigError` that says
      where Python looked.
    """
    if '::' in path:  # a packaged config: mmkd::kd/..., mmpretrain::resnet/...
        try:
            path = Config._get_cfg_path(path, '.')[0]
        except (FileNotFoundError, ValueError, ImportError) as e:
            raise KDConfigError(f'config {path!r}: {e}') from e
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
            f'module on PYTHONPATH (e.g. `PYTHONPATH=/path/to/my_code {program_name()} '
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


def log_to_run(message: str, level: int = logging.ERROR) -> None:
    """Write ``message`` to the log file of the run in progress, if it has one (the console
    gets it from :func:`run_cli` itself)."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    if not files:
        return
    record = logger.makeRecord(logger.name, level, __file__, 0, message, None, None,
                               func='run_cli')
    for handler in files:
        handler.handle(record)


def where_training_stopped() -> str:
    """The epoch and iteration a run reached, and its last checkpoint, from MMEngine's
    message hub (what ``RuntimeInfoHook`` records); empty before training started."""
    from mmengine.logging import MessageHub
    info = MessageHub.get_current_instance().runtime_info
    if 'iter' not in info:
        return ''
    where = f'at iteration {info["iter"] + 1}'
    if 'epoch' in info and info.get('max_epochs'):
        where = f'in epoch {info["epoch"] + 1} of {info["max_epochs"]} ({where[3:]})'
    elif info.get('max_iters'):
        where += f' of {info["max_iters"]}'
    last = info.get('last_ckpt')
    return where + (f'; the last checkpoint is {last}' if last else '; no checkpoint was '
                    'written yet')


def run_cli(main: Callable[[Optional[Sequence[str]]], object],
            argv: Optional[Sequence[str]] = None, resumable: bool = False):
    """Run a command; a config that cannot train what it says or a checkpoint that cannot be
    used (exit status 2), a run stopped by non-finite values (exit status 1) or an interrupt
    (Ctrl-C, exit status 130) ends it with one message last, also written to the run's log.

    The traceback of such an error is printed only with ``MMKD_DEBUG=1`` in the environment;
    every other exception propagates with its full traceback, as usual. For a ``resumable``
    command (training), an interrupt says where the run stopped and the command that
    continues it. Returns None (the exit status of a console script), whatever ``main``
    returns.
    """
    from mmkd.engine.hooks import NonFiniteError
    quiet_known_warnings()
    debug = bool(os.environ.get(DEBUG_ENV))
    try:
        main(argv)
    except (KDConfigError, CheckpointFileError, UnsafeCheckpointError, NonFiniteError) as e:
        if debug:
            traceback.print_exc()
        kind = 'config error' if isinstance(e, KDConfigError) else \
            'non-finite values' if isinstance(e, NonFiniteError) else 'checkpoint error'
        message = f'mmkd: {kind}: {_message(e)}'
        if not isinstance(e, NonFiniteError):  # the hook that stopped the run logged it
            log_to_run(message)
        _finish(message, debug)
        raise SystemExit(1 if isinstance(e, NonFiniteError) else 2)
    except RunComplete as e:
        key = 'max_epochs' if e.unit == 'epoch' else 'max_iters'
        message = (f'mmkd: the run is complete ({e.unit} {e.done} of {e.total}, {e.path}): '
                   f'there is nothing to resume. To train longer, raise train_cfg.{key} (and '
                   'the length of the learning-rate schedule) and resume: '
                   f'{resume_command()} --cfg-options train_cfg.{key}=...')
        log_to_run(message, logging.INFO)
        print(message)
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        where = where_training_stopped()
        message = 'mmkd: interrupted' + (f' {where}' if where else '')
        if resumable and where:
            message += f'. Continue with: {resume_command()}'
        log_to_run(message, logging.WARNING)
        _finish(message, debug)
        raise SystemExit(130)
    finally:
        _close_process_group()


def _close_process_group() -> None:
    """Destroy the process group of a distributed run before the interpreter exits.

    Left to the interpreter's exit, gloo's process group is torn down while its worker
    threads are still joinable, and the process can abort with ``terminate called without an
    active exception`` (SIGABRT) after a run that succeeded.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _finish(message: str, debug: bool) -> None:
    from mmkd.engine.hooks.train_progress_hook import stop_progress_bars
    stop_progress_bars()
    sys.stderr.flush()
    footer = '' if debug else f'\n(set {DEBUG_ENV}=1 for the traceback)'
    print(f'\n{message}{footer}', file=sys.stderr)
