from .checkpoint_fit_hook import CheckpointFitHook
from .checkpoint_hook import AtomicLocalBackend, CheckpointHook
from .curriculum_temperature_hook import CurriculumTemperatureHook, curriculum_lambda
from .distill_stages_hook import DistillStagesHook
from .ema_teacher_hook import EMATeacherHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .non_finite_loss_hook import NonFiniteError, NonFiniteLossHook
from .random_state_hook import RandomStateHook
from .replay_augmentation_hook import ReplayAugmentationHook
from .train_progress_hook import TrainProgressHook

__all__ = ['AtomicLocalBackend', 'CheckpointFitHook', 'CheckpointHook', 'CurriculumTemperatureHook',
           'curriculum_lambda', 'DistillStagesHook',
           'EMATeacherHook', 'LossWeightScheduleHook', 'NonFiniteError', 'NonFiniteLossHook',
           'RandomStateHook', 'ReplayAugmentationHook', 'TrainProgressHook']
