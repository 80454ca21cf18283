"""mmkd: knowledge distillation for PyTorch as an OpenMMLab 2.0 plugin package."""
from .utils.checkpoint import register_safe_checkpoint_loader
from .version import __version__

# Every local checkpoint MMEngine reads (teacher_ckpt, resume, test) goes through mmkd's
# weights-only loader; see mmkd/utils/checkpoint.py for why and what it allows.
register_safe_checkpoint_loader()

__all__ = ['__version__']
