from .base_algorithm import BaseAlgorithm
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['BaseAlgorithm', 'SingleTeacherDistill']
