"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

The same command as ``mmkd-test`` (installed with the package); see ``mmkd/cli/test.py``.
"""
from mmkd.cli.test import cli

if __name__ == '__main__':
    cli()
