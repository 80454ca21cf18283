"""Several training stages in one run: which losses are on, with which weights, and what trains."""
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError, check_keys
from .algorithm_losses import (active_losses, distilling_algorithm, drop_stale_loss_logs,
                               factors_by_distiller, loss_names)

STAGE_KEYS = ('name', 'epochs', 'iters', 'losses', 'student_loss', 'trainable', 'frozen',
              'frozen_eval', 'reset_optimizer')


@HOOKS.register_module()
class DistillStagesHook(Hook):
    """Runs the stages a config declares, one after another, in one ``tools/train.py`` run.

    Methods such as FitNets (hint stage), AB (connector initialisation), FT (paraphraser
    pre-training) and FSP start with a stage that trains part of the model on one loss, then
    train as usual. Example (FT: 30 epochs of paraphraser reconstruction, then the student with
    the factor-transfer loss and the paraphraser frozen)::

        custom_hooks = [dict(type='DistillStagesHook', stages=[
            dict(name='paraphraser', epochs=30, losses=dict(loss_rec=1.0),
                 student_loss=False, trainable=['distiller.connectors.paraphraser']),
            dict(name='main', losses=dict(loss_ft=1.0),
                 frozen=['distiller.connectors.paraphraser'])])]

    Each stage's keys:

    * ``name`` (str): shown in the logs and in the message hub (``distill_stage``).
    * ``epochs`` (or ``iters`` with ``by_epoch=False``): its length; the last stage may leave
      it out and then runs to ``train_cfg.max_epochs`` (``max_iters``).
    * ``losses`` (dict): ``distill_losses`` name -> factor on its ``loss_weight``; losses not
      named are off (not computed). None (default): every loss at factor 1.
    * ``student_loss`` (bool): the student's own task loss on or off; None keeps the
      algorithm's ``calculate_student_loss``.
    * ``trainable`` / ``frozen`` (lists of module paths of the algorithm, e.g.
      ``'architecture.backbone'``, ``'student'``, ``'distiller.connectors.NAME'``): train only
      under ``trainable`` (default: all that normally trains), minus ``frozen``. Frozen
      parameters get no gradient, so the optimizer neither updates nor decays them.
    * ``frozen_eval`` (bool): wholly frozen modules run in eval mode. Defaults to True.
    * ``reset_optimizer`` (bool): clear the optimizer's state (momentum, Adam moments) when the
      stage starts, as the reference implementations do by building a new optimizer per
      stage. Defaults to True for every stage but the first.

    The stage is a function of the epoch (iteration) counter alone, so a run resumed in the
    middle of a stage continues that stage, and one resumed at a boundary starts the next.
    Learning rates per stage come from ``param_scheduler`` entries with ``begin``/``end``.
    Composes with :class:`LossWeightScheduleHook` (factors multiply).

    Args:
        stages (list[dict]): the stages, in order.
        by_epoch (bool): stage lengths in epochs (True) or iterations. Defaults to True.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, stages: List[dict], by_epoch: bool = True) -> None:
        key = 'DistillStagesHook.stages'
        if not isinstance(stages, (list, tuple)) or not stages:
            raise KDConfigError(f'{key} must be a non-empty list of stage dicts')
        unit = 'epochs' if by_epoch else 'iters'
        self.by_epoch = by_epoch
        self.unit = unit
        self.stages = []
        begin = 0
        for i, stage in enumerate(stages):
            where = f'{key}[{i}]'
            if not isinstance(stage, dict):
                raise KDConfigError(f'{where} must be a dict, got {stage!r}')
            check_keys(stage, STAGE_KEYS, where)
            other = 'iters' if by_epoch else 'epochs'
            if other in stage:
                raise KDConfigError(f'{where}.{other}: with by_epoch={by_epoch}, stage lengths '
                                    f'are given as {unit}')
            length = stage.get(unit)
            if length is None and i < len(stages) - 1:
                raise KDConfigError(f'{where}.{unit} is missing: every stage but the last needs '
                                    'its length')
            if length is not None and (not isinstance(length, int) or isinstance(length, bool)
                                       or length < 1):
                raise KDConfigError(f'{where}.{unit} must be a positive int, got {length!r}')
            losses = stage.get('losses')
            if losses is not None and not isinstance(losses, dict):
                raise KDConfigError(f'{where}.losses must be a dict of loss name -> factor')
            end = None if length is None else begin + length
            self.stages.append(dict(
                name=stage.get('name', f'stage{i}'), begin=begin, end=end, losses=losses,
                student_loss=stage.get('student_loss'), trainable=stage.get('trainable'),
                frozen=stage.get('frozen', ()), frozen_eval=stage.get('frozen_eval', True),
                reset_optimizer=stage.get('reset_optimizer', i > 0), where=where))
            begin = end
        self._applied: Optional[int] = None

    @staticmethod
    def _algorithm(runner):
        return distilling_algorithm(runner, 'DistillStagesHook')

    def before_train(self, runner) -> None:
        model = self._algorithm(runner)
        total = runner.max_epochs if self.by_epoch else runner.max_iters
        last = self.stages[-1]
        if self.by_epoch and type(runner.train_loop).__name__ == 'IterBasedTrainLoop':
            raise KDConfigError('DistillStagesHook: train_cfg is iteration-based; set '
                                'by_epoch=False and give stage lengths as iters')
        if last['end'] is None:
            last['end'] = total
        if last['end'] != total or last['begin'] >= total:
            raise KDConfigError(
                f'DistillStagesHook.stages cover {self.unit} 0-{last["end"]}, but train_cfg.'
                f'max_{self.unit}={total}: make the stage lengths add up to it (or leave out '
                f'the last stage\'s {self.unit}).')
        for stage in self.stages:
            factors_by_distiller(model, stage['losses'] or {}, f'{stage["where"]}.losses')
        if runner.distributed and is_model_wrapper(runner.model) and \
                not getattr(runner.model, 'find_unused_parameters', True):
            raise KDConfigError(
                'DistillStagesHook under distributed training: stages leave parameters without '
                'gradients, which DistributedDataParallel only allows with model_wrapper_cfg='
                "dict(type='MMDistributedDataParallel', find_unused_parameters=True)")
        # Check every stage against the model now rather than when it starts.
        for i in range(len(self.stages)):
            self._apply(runner, model, i)
        self._applied = None
        self._switch(runner, runner.epoch if self.by_epoch else runner.iter, reset=False)

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch:
            self._switch(runner, runner.epoch)

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        if not self.by_epoch:
            self._switch(runner, runner.iter)
        drop_stale_loss_logs(runner, self._algorithm(runner))

    def stage_at(self, count: int) -> int:
        """The index of the stage that epoch (iteration) ``count`` belongs to."""
        for i, stage in enumerate(self.stages):
            if stage['end'] is None or count < stage['end']:
                return i
        return len(self.stages) - 1

    def _switch(self, runner, count: int, reset: bool = True) -> None:
        index = self.stage_at(count)
        stage = self.stages[index]
        starts = count == stage['begin']
        if index == self._applied and not starts:
            return
        model = self._algorithm(runner)
        n_train = self._apply(runner, model, index)
        if reset and starts and stage['reset_optimizer']:
            _reset_optimizer_state(runner.optim_wrapper)
        if index != self._applied:
            losses = stage['losses'] if stage['losses'] is not None else {
                n: 1.0 for n in loss_names(model)}
            runner.logger.info(
                f'Distillation stage {index} {stage["name"]!r} ({self.unit} '
                f'{stage["begin"]}-{stage["end"]}): losses {losses}, student loss '
                f'{"on" if model.calculate_student_loss else "off"}, {n_train} trainable '
                f'parameter tensors' + (', optimizer state reset' if reset and starts and
                                        stage['reset_optimizer'] else ''))
        self._applied = index

    def _apply(self, runner, model, index: int) -> int:
        stage = self.stages[index]
        trained = model.set_training_stage(
            trainable=stage['trainable'], frozen=stage['frozen'],
            frozen_eval=stage['frozen_eval'], calculate_student_loss=stage['student_loss'],
            where=stage['where'])
        default = 1.0 if stage['losses'] is None else 0.0
        named = factors_by_distiller(model, stage['losses'] or {}, f'{stage["where"]}.losses')
        for name, distiller in model.distillers().items():
            factors: Dict[str, float] = {loss: default for loss in distiller.distill_losses}
            factors.update({loss: float(f) for loss, f in named.get(name, {}).items()})
            distiller.set_loss_weight_factors(factors, 'DistillStagesHook')
        if not model.calculate_student_loss and not active_losses(model):
            raise KDConfigError(f'{stage["where"]}: no loss is on in this stage (no '
                                'distillation loss and student_loss=False)')
        runner.message_hub.update_info('distill_stage', stage['name'])
        return len(trained)


def _reset_optimizer_state(optim_wrapper) -> None:
    wrappers = optim_wrapper.values() if isinstance(optim_wrapper, OptimWrapperDict) \
        else [optim_wrapper]
    for wrapper in wrappers:
        wrapper.optimizer.state.clear()
