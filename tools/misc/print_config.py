"""Print a config as the runner sees it: ``python tools/misc/print_config.py CONFIG
[--cfg-options ...] [--expand-models]``. The same command as ``mmkd-print-config``; see
``mmkd/cli/print_config.py``."""
from mmkd.cli.print_config import cli

if __name__ == '__main__':
    cli()
