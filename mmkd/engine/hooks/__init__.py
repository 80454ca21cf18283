from .loss_weight_schedule_hook import LossWeightScheduleHook

__all__ = ['LossWeightScheduleHook']
