from .separate_optim_wrapper_constructor import SeparateOptimWrapperConstructor

__all__ = ['SeparateOptimWrapperConstructor']
