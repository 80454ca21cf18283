"""How to name mmkd's commands in messages: as the user runs them."""
import os.path as osp
import sys


def command(tool: str) -> str:
    """The command line that runs mmkd's ``tool`` (``'train'``, ``'test'``, ...) the way the
    current program was started: ``mmkd-train`` after ``pip install``, ``python
    path/to/tools/train.py`` from a checkout's ``tools/`` (the same folder as the running
    script), ``mmkd-train`` otherwise."""
    prog = sys.argv[0] if sys.argv and sys.argv[0] else ''
    if prog.endswith('.py') and osp.basename(osp.dirname(osp.abspath(prog))) == 'tools':
        return f'python {osp.join(osp.dirname(prog), tool + ".py")}'
    return f'mmkd-{tool.replace("_", "-")}'
