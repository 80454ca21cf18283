from .algorithm_data_parallel import AlgorithmDataParallel
from .base_algorithm import BaseAlgorithm
from .data_free_distill import DataFreeDistill
from .loss_parts_optim_wrapper import LossPartsOptimWrapper
from .multi_teacher_distill import MultiTeacherDistill
from .mutual_learning import MutualLearning
from .self_distill import SelfDistill
from .single_teacher_distill import SingleTeacherDistill

__all__ = ['AlgorithmDataParallel', 'BaseAlgorithm', 'DataFreeDistill', 'LossPartsOptimWrapper', 'MultiTeacherDistill', 'MutualLearning', 'SelfDistill',
           'SingleTeacherDistill']
