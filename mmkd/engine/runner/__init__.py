from .distill_val_loop import DistillTestLoop, DistillValLoop

__all__ = ['DistillValLoop', 'DistillTestLoop']
