from .distillation_oriented import DOTOptimWrapper, DOTSGD
from .separate_optim_wrapper_constructor import SeparateOptimWrapperConstructor

__all__ = ['DOTOptimWrapper', 'DOTSGD', 'SeparateOptimWrapperConstructor']
