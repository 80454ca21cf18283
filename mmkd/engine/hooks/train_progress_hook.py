"""A progress bar for training on a terminal."""
import atexit
import logging
import os
import sys
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmkd.registry import HOOKS

PROGRESS_ENV = 'MMKD_PROGRESS'  # 0: never show it, 1: always
_ACTIVE: List[object] = []


def stop_progress_bars() -> None:
    """Stop every live progress bar (the terminal gets its cursor back); for a run that ends
    with an error or an interrupt, before its last message is printed."""
    while _ACTIVE:
        _ACTIVE.pop().stop()


atexit.register(stop_progress_bars)


class _ConsoleStream:
    """A stream for a logging handler that prints through rich's console, above the bar."""

    def __init__(self, console) -> None:
        self.console = console

    def write(self, text: str) -> None:
        text = text.rstrip('\n')
        if text:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def flush(self) -> None:
        pass


@HOOKS.register_module()
class TrainProgressHook(Hook):
    """A bar per training epoch (iterations done, the loss, time spent and left) when the
    output is a terminal; nothing otherwise (a batch job's log stays as MMEngine writes it).

    The runner's console log lines are printed above the bar. mmkd's commands add this hook
    to every run unless the config has one; ``MMKD_PROGRESS=0`` turns it off, ``=1`` forces it.

    Args:
        enabled (bool, optional): show the bar; None (default): when standard output is a
            terminal, on the main process.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, enabled: Optional[bool] = None) -> None:
        self.enabled = enabled
        self.progress = None
        self._streams = []

    def _wanted(self) -> bool:
        env = os.environ.get(PROGRESS_ENV)
        if env in ('0', '1'):
            wanted = env == '1'
        elif self.enabled is not None:
            wanted = self.enabled
        else:
            wanted = sys.stdout.isatty()
        return wanted and is_main_process()

    def before_train(self, runner) -> None:
        if not self._wanted():
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        console = Console(file=sys.stdout)
        self.progress = Progress(
            TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(),
            TextColumn('loss {task.fields[loss]}'), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console)
        for handler in runner.logger.handlers:
            if type(handler) is logging.StreamHandler and handler.stream in (sys.stdout,
                                                                              sys.stderr):
                self._streams.append((handler, handler.setStream(_ConsoleStream(console))))
        loop = runner.train_loop
        self._by_epoch = hasattr(loop, 'max_epochs')
        total = len(loop.dataloader) if self._by_epoch else loop.max_iters
        self._task = self.progress.add_task('training', total=total, loss='-')
        self.progress.start()
        _ACTIVE.append(self.progress)

    def before_train_epoch(self, runner) -> None:
        if self.progress is not None and self._by_epoch:
            self.progress.reset(self._task, total=len(runner.train_loop.dataloader),
                                description=f'epoch {runner.epoch + 1}/'
                                            f'{runner.train_loop.max_epochs}', loss='-')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.progress is None:
            return
        loss = (outputs or {}).get('loss')
        self.progress.update(self._task, advance=1,
                             loss=f'{float(loss):.4g}' if loss is not None else '-')

    def after_train(self, runner) -> None:
        if self.progress is None:
            return
        stop_progress_bars()
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams, self.progress = [], None
