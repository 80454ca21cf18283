"""mmkd: knowledge distillation for PyTorch as an OpenMMLab 2.0 plugin package."""
from .utils.checkpoint import register_safe_checkpoint_loader
from .utils.package_configs import register_mmkd_config_scheme
from .version import __version__

# Every local checkpoint MMEngine reads (teacher_ckpt, resume, test) goes through mmkd's
# weights-only loader; see mmkd/utils/checkpoint.py for why and what it allows.
register_safe_checkpoint_loader()
# Configs anywhere can inherit mmkd's (`_base_ = ['mmkd::_base_/default_runtime.py']`).
register_mmkd_config_scheme()

__all__ = ['__version__']
