from .checkpoint_hook import AtomicLocalBackend, CheckpointHook
from .distill_stages_hook import DistillStagesHook
from .ema_teacher_hook import EMATeacherHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .random_state_hook import RandomStateHook
from .replay_augmentation_hook import ReplayAugmentationHook

__all__ = ['AtomicLocalBackend', 'CheckpointHook', 'DistillStagesHook', 'EMATeacherHook', 'LossWeightScheduleHook', 'RandomStateHook',
           'ReplayAugmentationHook']
