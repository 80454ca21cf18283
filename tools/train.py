"""Train with the MMEngine runner: ``python tools/train.py CONFIG [options]``.

The same command as ``mmkd-train`` (installed with the package); see ``mmkd/cli/train.py``.
"""
from mmkd.cli.train import cli

if __name__ == '__main__':
    cli()
