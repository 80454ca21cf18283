"""Plot training curves of work dirs: ``python tools/analysis/plot_curves.py WORK_DIR [...]``.

The same command as ``mmkd-plot-curves`` (installed with the package); see
``mmkd/cli/plot_curves.py``.
"""
from mmkd.cli.plot_curves import cli

if __name__ == '__main__':
    cli()
