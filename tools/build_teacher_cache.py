"""Build a teacher-output cache: ``python tools/build_teacher_cache.py CONFIG [options]``.

The same command as ``mmkd-build-teacher-cache`` (installed with the package); see
``mmkd/cli/build_teacher_cache.py``.
"""
from mmkd.cli.build_teacher_cache import cli

if __name__ == '__main__':
    cli()
