"""The stack's known harmless messages, silenced where mmkd runs things (its commands, the
demo, the benchmark harness), never globally on import."""
import logging
import re
import warnings

# Known, harmless messages of the stack (text each starts with), silenced at mmkd's entry
# points only: mmcv-lite lacks compiled ops that classification never uses; mmengine's own
# checkpoint hook still goes through its deprecated FileClient; mmengine imports pkg_resources;
# Brevitas imports its own optional kernels and FX module, which mmkd never uses.
_NOISE = (
    'fast_hadamard_transform package not found',
    'brevitas.fx is deprecated',
    'Fail to import ``MultiScaleDeformableAttention``',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias of "LocalBackend"',
    'pkg_resources is deprecated as an API',
)


class _KnownNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.getMessage()).startswith(_NOISE)


def quiet_known_warnings() -> None:
    """Silence the stack's known harmless warnings (Python warnings and MMEngine log lines)."""
    for text in _NOISE:
        warnings.filterwarnings('ignore', message=re.escape(text))


def quiet_runner_logger(runner) -> None:
    """Drop the known harmless lines from the runner's logger (MMEngine logs some of them)."""
    if not any(isinstance(f, _KnownNoise) for f in runner.logger.filters):
        runner.logger.addFilter(_KnownNoise())


