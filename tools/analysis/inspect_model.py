"""Find the layers to distil: ``python tools/analysis/inspect_model.py CONFIG [--input-size H W]
[--student-tap PATH --teacher-tap PATH]``. The same command as ``mmkd-inspect``; see
``mmkd/cli/inspect_model.py``."""
from mmkd.cli.inspect_model import cli

if __name__ == '__main__':
    cli()
