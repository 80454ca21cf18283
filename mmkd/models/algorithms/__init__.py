from .base_algorithm import BaseAlgorithm
from .multi_teacher_distill import MultiTeacherDistill
from .mutual_learning import MutualLearning
from .self_distill import SelfDistill
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['BaseAlgorithm', 'MultiTeacherDistill', 'MutualLearning', 'SelfDistill',
           'SingleTeacherDistill']
