"""mmkd's command-line entry points: ``tools/*.py`` in a checkout, ``mmkd-*`` commands after
``pip install``. Each parses its flags and hands the work to the MMEngine runner."""
