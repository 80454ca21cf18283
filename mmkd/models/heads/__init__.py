from .deit_distill_head import DeiTDistillHead

__all__ = ['DeiTDistillHead']
