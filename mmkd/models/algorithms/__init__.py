from .base_algorithm import BaseAlgorithm
from .loss_parts_optim_wrapper import LossPartsOptimWrapper
from .multi_teacher_distill import MultiTeacherDistill
from .mutual_learning import MutualLearning
from .self_distill import SelfDistill
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['BaseAlgorithm', 'LossPartsOptimWrapper', 'MultiTeacherDistill', 'MutualLearning', 'SelfDistill',
           'SingleTeacherDistill']
