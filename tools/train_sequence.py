"""Train a teacher-assistant chain or born-again generations from one sequence config:
``python tools/train_sequence.py CONFIG [--work-dir DIR] [--resume]``.

The same command as ``mmkd-train-sequence`` (installed with the package); see
``mmkd/cli/train_sequence.py``.
"""
from mmkd.cli.train_sequence import cli

if __name__ == '__main__':
    cli()
