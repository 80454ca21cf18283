"""Data-free distillation: a generator makes the images, the student distils on them."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from mmkd.registry import MODELS
from mmkd.utils.component_seed import seeded_component
from mmkd.utils.config_errors import KDConfigError
from ..distillers import ConfigurableDistiller
from ..teachers import Teacher, teachers_as_modules
from .base_algorithm import ModelEntry
from .base_teacher_distill import BaseTeacherDistill
from .single_teacher_distill import KEYWORDS

PHASES = ('student', 'generator')
#: the optimizer wrapper of each phase, in ``optim_wrapper`` (MMRazor's names)
OPTIMIZERS = dict(student='architecture', generator='generator')


@MODELS.register_module()
class DataFreeDistill(BaseTeacherDistill):
    """Distillation without the training data: a generator, trained against the teacher,
    makes every batch the student distils on.

    Each training step has two phases, each with its own optimizer (``OptimWrapperDict``:
    ``architecture`` for the student and what trains with it, ``generator`` for the
    generator; ``SeparateOptimWrapperConstructor`` builds it) and its own distiller:

    * generator phase (``generator_steps`` updates): z ~ N(0, I) -> images (with gradients)
      -> the teacher (frozen, its records keep gradients towards the images) and, if a loss
      of ``generator_distiller`` reads it, the student -> ``generator_distiller``'s losses
      (logged ``generator.<loss>``) -> the generator's update;
    * student phase (``student_steps`` updates): new noise -> images without gradients ->
      teacher and student -> ``distiller``'s losses (``distill.<loss>``) -> the student's
      update.

    The published schemes are configs of it (``configs/data_free/``):

    * DAFL (Chen et al., ICCV 2019): generator losses ``OnehotLikeLoss``,
      ``InformationEntropyLoss`` and ``ActivationLoss`` on the teacher; KD for the student on
      the same images (``shared_batch=True``). The reference updates both from one backward
      of the summed loss; here, as in MMRazor's ``DAFLDataFreeDistillation``, the generator
      updates first, then the student on that batch's images (made before the update).
    * DFAD (Fang et al., 2019): ``L1Loss`` between the logits for the student, and the same
      with ``loss_weight=-1`` (maximised) for the generator; five student updates for one of
      the generator (``student_steps=5, student_first=True``).
    * DeepInversion's BatchNorm statistics (Yin et al., CVPR 2020): ``BNStatisticsLoss`` on a
      teacher ``BatchNormStatistics`` record, beside either.

    The training set is never read: the training dataloader's dataset is a
    ``SyntheticSamples`` (placeholders giving the epoch length and the batch size); the
    validation set (real data) measures the student. The gradients one phase leaves on the
    other phase's parameters (the student's, from the generator's backward through it) are
    cleared before the other phase. Under several processes each phase's forward passes go
    through the DDP wrapper (``AlgorithmDataParallel``), so the generator's and the
    student's gradients are averaged across processes and their weights stay identical.

    Args:
        generator (dict | nn.Module): the generator (e.g. ``DCGANGenerator``): a module
            whose ``sample_noise(num, device)`` draws its input and whose forward maps it to a
            batch in the student's normalised input space.
        distiller (dict): the student's ``ConfigurableDistiller``.
        generator_distiller (dict): the generator's ``ConfigurableDistiller`` (its losses
            read teacher records, and the student's for an adversarial one).
        teacher (dict | nn.Module): the teacher's model config; ``teacher_ckpt`` its weights
            (required). ``teacher_data_preprocessor``, ``teacher_lean``,
            ``teacher_early_exit`` as in ``SingleTeacherDistill``.
        student_steps (int): student updates per step. Defaults to 1.
        generator_steps (int): generator updates per step. Defaults to 1.
        student_first (bool): the student's phase first. Defaults to False (MMRazor's).
        shared_batch (bool): the student distils on the images the generator phase of the
            same step made (DAFL) instead of new ones; needs one update of each, the
            generator's first. Defaults to False.
        architecture, data_preprocessor, student_only, init_cfg: see :class:`BaseAlgorithm`.
    """

    unused_parameters_in_steps = True  # the generator rests in the student's phase, and back

    def __init__(self, generator: Union[dict, nn.Module], distiller: dict,
                 generator_distiller: dict, teacher: Union[dict, nn.Module],
                 teacher_ckpt: Optional[str] = None, student_steps: int = 1,
                 generator_steps: int = 1, student_first: bool = False,
                 shared_batch: bool = False, teacher_data_preprocessor: Optional[dict] = None,
                 teacher_lean: Optional[dict] = None, teacher_early_exit: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        for key, value in (('student_steps', student_steps), ('generator_steps', generator_steps)):
            if not isinstance(value, int) or value < 1:
                raise KDConfigError(f'model.{key} must be an int >= 1, got {value!r}')
        if shared_batch and (student_first or student_steps != 1 or generator_steps != 1):
            raise KDConfigError('model.shared_batch=True: the student distils on the images of '
                                'the generator phase just before it, so it needs '
                                'student_first=False and student_steps=generator_steps=1')
        self.student_steps, self.generator_steps = student_steps, generator_steps
        self.student_first, self.shared_batch = student_first, shared_batch
        self.calculate_student_loss = False  # no labels: the images are synthesized
        with seeded_component('generator'):  # its weights depend on the seed and its name
            self.generator = MODELS.build(generator) if isinstance(generator, dict) \
                else generator
        if not callable(getattr(self.generator, 'sample_noise', None)):
            raise KDConfigError(f'model.generator: {type(self.generator).__name__} has no '
                                'sample_noise(num, device) to draw its input from')
        cfg = dict(model=teacher, ckpt=teacher_ckpt, data_preprocessor=teacher_data_preprocessor,
                   lean=teacher_lean, early_exit=teacher_early_exit)
        teacher = Teacher('teacher', cfg, KEYWORDS.get, 'teacher', 'teacher_preprocessor',
                          policies=('frozen', ))
        self.add_teachers(dict(teacher=teacher), distiller)
        self.generator_distiller = self.build_distiller(generator_distiller,
                                                        ConfigurableDistiller)
        if not self.student_only:
            self.generator_distiller.prepare_from_teachers(teachers_as_modules(self._teachers))
            teacher.install(self, self.generator_distiller)
        self._shared_images: Optional[torch.Tensor] = None

    @classmethod
    def models_in_config(cls, model_cfg: dict):
        return dict(super().models_in_config(model_cfg),
                    teacher=cls.model_entry('model.teacher', model_cfg.get('teacher'),
                                            'teacher.', 'frozen', model_cfg.get('architecture'),
                                            'model.teacher_ckpt'),
                    generator=ModelEntry('model.generator', model_cfg.get('generator'),
                                         'generator.', True))

    def distillers(self) -> Dict[str, nn.Module]:
        return dict(distiller=self.distiller, generator=self.generator_distiller)

    # ------------------------------------------------------------------ one step
    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """The two phases (see the class), each update from its own optimizer wrapper. The
        batch of ``data`` gives only the number of images to synthesize."""
        wrappers = self._phase_wrappers(optim_wrapper)
        num = _batch_size(data)
        log_vars: Dict[str, torch.Tensor] = {}
        for phase in (PHASES if self.student_first else PHASES[::-1]):
            for _ in range(self.student_steps if phase == 'student' else self.generator_steps):
                wrapper = wrappers[phase]
                with wrapper.optim_context(self.step_model):
                    losses = self.step_losses(dict(inputs=None, data_samples=None),
                                              phase=phase, num=num)
                parsed, phase_vars = self.parse_losses(losses)
                wrapper.update_params(parsed)
                for other in wrappers.values():  # what this backward left on the others
                    if other is not wrapper:
                        other.zero_grad()
                if phase == 'generator':  # 'loss' is the student's total; this is the other
                    phase_vars['generator.loss'] = phase_vars.pop('loss')
                log_vars.update(phase_vars)
        self._shared_images = None
        return log_vars

    def loss(self, inputs: Optional[torch.Tensor], data_samples: Optional[List] = None,
             phase: str = 'student', num: Optional[int] = None) -> Dict[str, torch.Tensor]:
        """The losses of one update of ``phase`` on ``num`` synthesized images (the batch
        given, ``inputs``, is not read)."""
        if phase not in PHASES or not num:
            raise ValueError(f'DataFreeDistill.loss: phase must be one of {PHASES} and num > 0, '
                             f'got {phase!r} and {num!r}')
        if phase == 'generator':
            images = self.generator(self.generator.sample_noise(num, self._device()))
            if self.shared_batch:
                self._shared_images = images.detach()
            losses = self.distil(images, None, 'generator')
            if not losses:
                raise KDConfigError('model.generator_distiller computes no loss this step: the '
                                    'generator would not train')
            return losses
        if self._shared_images is not None:
            images, self._shared_images = self._shared_images, None
        else:
            with torch.no_grad():
                images = self.generator(self.generator.sample_noise(num, self._device()))
        return self.distil(images, None)

    def _phase_wrappers(self, optim_wrapper) -> Dict[str, object]:
        if not isinstance(optim_wrapper, OptimWrapperDict) or \
                set(optim_wrapper.keys()) != set(OPTIMIZERS.values()):
            got = sorted(optim_wrapper.keys()) if isinstance(optim_wrapper, OptimWrapperDict) \
                else type(optim_wrapper).__name__
            raise KDConfigError(
                "optim_wrapper: DataFreeDistill needs two optimizers, 'architecture' (the "
                "student; add 'distiller' to its modules if connectors train) and 'generator': "
                "optim_wrapper=dict(constructor='SeparateOptimWrapperConstructor', "
                f'architecture=dict(optimizer=...), generator=dict(optimizer=...)); got {got}')
        return {phase: optim_wrapper[name] for phase, name in OPTIMIZERS.items()}

    def _device(self) -> torch.device:
        return next(self.generator.parameters()).device


def _batch_size(data) -> int:
    """The number of samples in a collated batch (of placeholders, or of anything)."""
    if isinstance(data, dict):
        data = next(iter(data.values()), None)
    if data is None or not hasattr(data, '__len__') or len(data) == 0:
        raise KDConfigError('DataFreeDistill: the training batch is empty; use '
                            "train_dataloader.dataset=dict(type='SyntheticSamples', "
                            'num_samples=...) with a batch_size')
    return len(data)
