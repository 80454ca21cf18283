"""mmkd's command-line entry points: ``tools/*.py`` in a checkout, ``mmkd-*`` commands after
``pip install``. Each parses its flags and hands the work to the MMEngine runner.

Importing this package (which every command does first) checks that the stack is installed,
so a missing package ends the command with one line that says what to install, and silences
the stack's known harmless warnings before mmpretrain and mmcv are imported.
"""
import importlib
import sys

from mmkd.utils.quiet import quiet_known_warnings

# The packages mmkd's commands need beyond its own requirements, and how to get them. mmcv is
# not an install requirement on purpose (mmcv-lite or a full mmcv both work, and pip must not
# replace the one a user has), so it is the one a wheel install can lack.
STACK = (
    ('mmcv', 'pip install "mmkd[lite]" (mmcv-lite, enough for classification), or '
             'pip install "mmcv-lite>=2.0.0,<2.4.0", or a full mmcv'),
    ('mmpretrain', 'pip install "mmpretrain>=1.2.0,<1.3"'),
    ('mmengine', 'pip install "mmengine>=0.10.4,<0.11"'),
)


def check_stack() -> None:
    """End the command with one line if a package of the stack cannot be imported."""
    for module, install in STACK:
        try:
            importlib.import_module(module)
        except ImportError as e:
            missing = getattr(e, 'name', None) or module
            print(f'mmkd: {module} cannot be imported ({type(e).__name__}: {e}); mmkd\'s '
                  f'commands need it. Install it: {install}.'
                  + (f' (Python could not find {missing!r}.)' if missing != module else ''),
                  file=sys.stderr)
            raise SystemExit(2)


quiet_known_warnings()
check_stack()
