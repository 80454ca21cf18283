from .checkpoint import (CheckpointFileError, DamagedCheckpointError, NotACheckpointError,
                         UnsafeCheckpointError, allow_checkpoint_types,
                         checkpoint_safe_globals, load_checkpoint_file,
                         register_safe_checkpoint_loader)
from .config_errors import KDConfigError, suggest
from .dist_utils import gather_batches, setup_cpu_distributed, unwrap_model
from .resume import check_resumable, find_resumable_checkpoint

__all__ = [
    'KDConfigError', 'suggest', 'UnsafeCheckpointError', 'CheckpointFileError',
    'DamagedCheckpointError', 'NotACheckpointError', 'check_resumable',
    'find_resumable_checkpoint', 'allow_checkpoint_types',
    'checkpoint_safe_globals', 'load_checkpoint_file', 'register_safe_checkpoint_loader',
    'setup_cpu_distributed', 'gather_batches', 'unwrap_model'
]
