"""Keeps a mean (EMA) teacher following the student."""
from mmengine.hooks import Hook

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.dist_utils import unwrap_model


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """Updates the EMA teachers of an algorithm (``SingleTeacherDistill(teacher_policy='ema')``,
    ``MultiTeacherDistill`` teachers with ``policy='ema'``) after every training step:
    θ_t <- m·θ_t + (1 - m)·θ_s with the teacher's momentum m; the teachers' buffers are
    copied from the student. Before
    training, a teacher that holds no weights yet becomes a copy of the student (after the
    runner has initialised and, on resume, loaded the model; a resumed teacher comes from the
    checkpoint). With gradient accumulation the update follows the optimizer's steps.

    Example::

        model = dict(type='SingleTeacherDistill', teacher=None, teacher_policy='ema',
                     teacher_ema_momentum=0.999, ...)
        custom_hooks = [dict(type='EMATeacherHook')]
    """

    priority = 'ABOVE_NORMAL'

    @staticmethod
    def _algorithm(runner):
        from mmkd.models.algorithms.ema_teacher import EMATeacherMixin
        model = unwrap_model(runner.model)
        if not isinstance(model, EMATeacherMixin) or not model.has_ema_teacher:
            raise KDConfigError("EMATeacherHook needs a distillation algorithm with an EMA "
                                "teacher (SingleTeacherDistill(teacher_policy='ema'), or a "
                                f"MultiTeacherDistill teacher with policy='ema'); the model is "
                                f'{type(model).__name__} without one')
        return model

    def before_train(self, runner) -> None:
        self._algorithm(runner).start_ema_teacher()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        wrapper = runner.optim_wrapper
        # With accumulation, the optimizer stepped only if this iteration closed a window:
        # the wrapper's counter has not moved since, so should_update() still says so.
        if hasattr(wrapper, 'should_update') and not wrapper.should_update():
            return
        self._algorithm(runner).update_ema_teacher()
