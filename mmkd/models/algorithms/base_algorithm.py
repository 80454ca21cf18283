"""The base of every algorithm: owns the student (``architecture``) and the data preprocessor,
and states the contract between an algorithm and the rest of mmkd."""
from contextlib import contextmanager
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Set, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from mmkd.registry import MODELS
from mmkd.utils.component_seed import seeded_component
from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.scopes import mmkd_scope
from ..utils.model_builder import (build_data_preprocessor, build_model,
                                   check_preprocessor_classes)
from ..utils.renormalize import renormalize
from .loss_parts_optim_wrapper import LossPartsOptimWrapper, update_together


def add_prefix(losses: Dict[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    return {f'{prefix}.{k}': v for k, v in losses.items()}


class ModelEntry(NamedTuple):
    """A model of an algorithm as its config gives it (see
    :meth:`BaseAlgorithm.models_in_config`)."""
    key: str  # the config key of its model config, e.g. 'model.teachers.t1.model'
    config: Any  # its model config
    prefix: str  # the prefix of its weights in the algorithm's checkpoints
    saved: bool  # whether the algorithm's checkpoints hold its weights (it can be exported)
    ckpt_key: Optional[str] = None  # the config key of the checkpoint it loads, if it takes one


class BaseAlgorithm(BaseModel):
    """An algorithm wraps the model being trained and adds what the method needs.

    The contract (what hooks, loops and tools use, and nothing else; docs/architecture.md):

    * :meth:`distillers`: its distillers by name (none, one, or several);
    * :meth:`named_models`: its models other than the student, by record source name, for
      validation and comparison; :meth:`teachers_by_name`: those that are
      :class:`~mmkd.models.teachers.Teacher`\\ s;
    * :meth:`models_in_config` (a class method): the models a config of the algorithm
      holds, with their config keys and checkpoint prefixes, and which can be exported;
    * ``calculate_student_loss`` and ``student_trainable``: whether the student's own task
      loss is computed and whether the student trains;
    * ``train_step``: preprocess, ``loss``, update: one optimizer wrapper, the two loss parts
      of a :class:`LossPartsOptimWrapper`, or every wrapper of an ``OptimWrapperDict`` from
      one backward; or the algorithm's own (several updates a step, through
      ``optim_wrapper['name']``). Its forward passes go through :attr:`step_model` (the
      DDP wrapper in a distributed run, which synchronises the gradients);
    * :meth:`set_training_stage`: what trains in one stage of a multi-stage run.

    Args:
        architecture (dict | nn.Module): the student: a model config, a
            ``dict(cfg_path='mmpretrain::...', **overrides)``, or a module.
        data_preprocessor (dict | nn.Module, optional): defaults to the student's own. A dict
            without ``type`` is a ``ClsDataPreprocessor`` (as in mmpretrain), so the top-level
            ``data_preprocessor`` of a stock mmpretrain dataset config works unchanged.
        student_only (bool): build the student and what checkpoints store beside it
            (connectors, loss state), but no teacher: for test and inference, which then need
            no teacher checkpoint on disk. Training such a model is refused. ``tools/test.py``
            sets it. Defaults to False.
        views (dict, optional): with a batch of several views of each sample
            (``MultiViewDataset`` and ``MultiViewDataPreprocessor``), ``model name -> view``:
            which view the student (``'student'``) and each other model (by its name) reads;
            a model not named reads the first view.
        init_cfg (dict, optional): initialisation config.

    ``forward(mode='tensor' | 'predict')`` runs the student, so validation and test evaluate
    the student; ``mode='loss'`` calls :meth:`loss`, which subclasses define.
    """

    #: whether the student's own task loss is added (a training stage may switch it)
    calculate_student_loss: bool = True
    #: whether the student trains
    student_trainable: bool = True

    def __init__(self, architecture: Union[dict, nn.Module],
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 student_only: bool = False, views: Optional[Dict[str, str]] = None,
                 init_cfg: Optional[dict] = None, **unknown) -> None:
        if unknown:
            name, valid = next(iter(unknown)), algorithm_keywords(type(self))
            raise KDConfigError(f'model.{name}: {type(self).__name__} has no such key; its keys '
                                f'are {valid}. ' + suggest(name, valid))
        architecture = build_model(architecture, 'model.architecture')
        if data_preprocessor is None:
            data_preprocessor = getattr(architecture, 'data_preprocessor', None)
        else:
            data_preprocessor = build_data_preprocessor(data_preprocessor,
                                                        'model.data_preprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        check_preprocessor_classes(architecture, self.data_preprocessor, 'model.architecture',
                                   'model.data_preprocessor (or the top-level data_preprocessor)')
        self.architecture = architecture
        self.student_only = student_only
        if views is not None and not (isinstance(views, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in views.items())):
            raise KDConfigError(f'model.views must be a dict of model name -> view name, '
                                f'got {views!r}')
        self.views = dict(views or {})
        self._predictor: Optional[str] = None  # the named model predict mode runs instead
        self._compared: Sequence[str] = ()  # named models whose predictions are attached
        # Set by set_training_stage: what trains normally, and the stage's frozen subtrees.
        self._baseline: Optional[dict] = None
        self._stage_eval_modules: List[nn.Module] = []

    @property
    def student(self) -> nn.Module:
        return self.architecture

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor', **kwargs):
        if mode == 'loss':
            if self.student_only:
                raise RuntimeError(
                    f'{type(self).__name__} was built with student_only=True (for test and '
                    'inference): it has no teacher and cannot compute training losses.')
            return self.loss(inputs, data_samples, **kwargs)
        if kwargs:
            raise TypeError(f'{type(self).__name__}.forward: unexpected {sorted(kwargs)} in '
                            f'mode {mode!r}')
        if mode in ('tensor', 'predict'):
            if self._predictor is not None:
                return self.named_models()[self._predictor](
                    self.model_inputs(self._predictor, inputs), data_samples, mode=mode)
            outputs = self.architecture(self.view_of('student', inputs), data_samples,
                                        mode=mode)
            if mode == 'predict' and self._compared:
                self._attach_predictions(inputs, outputs)
            return outputs
        raise RuntimeError(f'Invalid mode "{mode}"; only "tensor", "predict" and "loss" exist')

    def inputs_for(self, inputs: torch.Tensor, preprocessor: Optional[nn.Module],
                   key: str) -> torch.Tensor:
        """The batch as ``preprocessor`` (a teacher's own ``ClsDataPreprocessor``, trained with
        another normalisation) would have normalised it; ``inputs`` when it is None."""
        if preprocessor is None:
            return inputs
        return renormalize(inputs, self.data_preprocessor, preprocessor, key)

    def named_models(self) -> Dict[str, nn.Module]:
        """The algorithm's models other than the student, by the names their record sources
        and validation metrics use (``'teacher'``, each teacher's name, ...). None here."""
        return {}

    def distillers(self) -> Dict[str, nn.Module]:
        """The algorithm's distillers by name: ``{'distiller': self.distiller}`` when it has
        one (its losses are logged as ``distill.<loss>``), else none. An algorithm with
        several returns them all; the losses of a distiller named otherwise are logged as
        ``<distiller name>.<loss>``, and hooks name them ``<distiller name>.<loss>`` where a
        loss name alone is ambiguous."""
        distiller = self._modules.get('distiller')
        return {} if distiller is None else {'distiller': distiller}

    @classmethod
    def models_in_config(cls, model_cfg: dict) -> Dict[str, ModelEntry]:
        """The models a config of this algorithm holds, by name: the student here.
        Subclasses add their teachers or peers, so that tools (export, inspection) need no
        knowledge of the algorithm's config keys."""
        return dict(student=ModelEntry('model.architecture', model_cfg.get('architecture'),
                                       'architecture.', True))

    def teachers_by_name(self) -> Dict[str, 'Teacher']:  # noqa: F821
        """The algorithm's :class:`~mmkd.models.teachers.Teacher`\\ s (teachers, peers, EMA
        copies, cached teachers) by record source name. None here."""
        return {}

    def model_inputs(self, name: str, inputs: torch.Tensor) -> torch.Tensor:
        """The batch as the named model reads it (its view, see :meth:`view_of`; a teacher
        trained with another normalisation gets it re-normalised)."""
        return self.view_of(name, inputs)

    def view_of(self, name: str, inputs):
        """The view model ``name`` reads of a batch of several views (a dict ``view ->
        inputs``, from ``MultiViewDataPreprocessor``): the one ``model.views`` names, else the
        first; a plain batch as it is."""
        if not isinstance(inputs, dict):
            return inputs
        view = self.views.get(name)
        if view is None:
            return next(iter(inputs.values()))
        if view not in inputs:
            raise KDConfigError(f'model.views.{name}={view!r} is not a view of the batch; its '
                                f'views are {list(inputs)} (MultiViewDataset.views)')
        return inputs[view]

    def check_model_names(self, names: Sequence[str], where: str) -> None:
        """Refuse names that are not models of this algorithm (``where``: the config key)."""
        exposed = self.named_models()
        for name in names:
            if name not in exposed:
                raise KDConfigError(
                    f'{where}: {type(self).__name__} has no model {name!r} here'
                    + (' (a cached teacher is not run outside training, and tools/test.py '
                       'builds no teacher unless --evaluate-teacher)' if not exposed else '')
                    + '. ' + suggest(name, exposed))

    @contextmanager
    def predict_with(self, name: str):
        """Within this context, ``'tensor'`` and ``'predict'`` modes run the named model
        (e.g. the teacher, for its validation, on its own normalisation of the batch) instead
        of the student."""
        self.check_model_names([name], 'predict_with')
        self._predictor = name
        try:
            yield
        finally:
            self._predictor = None

    @contextmanager
    def compared_with(self, names: Sequence[str]):
        """Within this context, the student's ``'predict'`` mode also runs the named models
        and attaches their class probabilities to each predicted sample as
        ``<name>_pred_score``: what metrics comparing the student with a teacher read
        (``TeacherStudentAgreement``)."""
        self.check_model_names(names, 'the metrics comparing the student with a model')
        self._compared = tuple(names)
        try:
            yield
        finally:
            self._compared = ()

    def _attach_predictions(self, inputs: torch.Tensor, predictions: List) -> None:
        models = self.named_models()
        for name in self._compared:
            logits = models[name](self.model_inputs(name, inputs), mode='tensor')
            if isinstance(logits, (tuple, list)):
                logits = logits[-1]
            scores = torch.softmax(logits.float(), dim=-1)
            for sample, score in zip(predictions, scores):
                sample.set_field(score, f'{name}_pred_score')

    def resolve_module_path(self, path: str, where: str) -> str:
        """``path`` as a module path of this algorithm (``'student'`` stands for
        ``'architecture'``); raises a :class:`KDConfigError` naming ``where`` if no such
        module exists."""
        if not isinstance(path, str) or not path:
            raise KDConfigError(f'{where} must be a module path such as "architecture.backbone" '
                                f'or "distiller.connectors.NAME", got {path!r}')
        if path == 'student' or path.startswith('student.'):
            path = 'architecture' + path[len('student'):]
        try:
            self.get_submodule(path)
        except AttributeError:
            parent, _, _ = path.rpartition('.')
            try:
                children = [f'{parent}.{n}' if parent else n
                            for n, _ in self.get_submodule(parent).named_children()]
            except AttributeError:
                children = [n for n, _ in self.named_children()]
            raise KDConfigError(f'{where}: {type(self).__name__} has no module {path!r}. '
                                + suggest(path, children)) from None
        return path

    def set_training_stage(self, trainable: Optional[Sequence[str]] = None,
                           frozen: Sequence[str] = (), frozen_eval: bool = True,
                           calculate_student_loss: Optional[bool] = None,
                           where: str = 'stage') -> Set[str]:
        """Restrict training to part of what normally trains (one stage of a multi-stage run).

        What "normally trains" is the set of parameters that required gradients the first
        time this is called (the student, connectors, loss parameters, a trainable teacher).
        In the stage, a parameter trains when it normally does, lies under a module of
        ``trainable`` (all of them when None) and not under one of ``frozen``. The others get
        ``requires_grad=False``: no gradient, so optimizers skip them entirely (no update, no
        weight decay, no momentum). With ``frozen_eval``, every module whose parameters are
        all frozen in this stage runs in eval mode (its BatchNorm statistics stay put).

        Args:
            trainable: module paths (``'architecture.backbone'``, ``'student'``,
                ``'distiller.connectors.NAME'``), or None for everything that normally trains.
            frozen: module paths kept from training in this stage.
            frozen_eval: put wholly frozen modules in eval mode. Defaults to True.
            calculate_student_loss: the student's own task loss on or off in this stage; None
                keeps the algorithm's setting.
            where: the config key of the stage, for error messages.

        Returns:
            The names of the parameters that train in this stage.
        """
        if self._baseline is None:
            self._baseline = dict(
                trainable={n for n, p in self.named_parameters() if p.requires_grad},
                student_loss=self.calculate_student_loss)

        def under(paths: Sequence[str], key: str) -> Set[str]:
            names = set()
            for i, path in enumerate(paths):
                path = self.resolve_module_path(path, f'{where}.{key}[{i}]')
                found = {f'{path}.{n}' for n, _ in self.get_submodule(path).named_parameters()}
                if not found & self._baseline['trainable']:
                    raise KDConfigError(
                        f'{where}.{key}[{i}]={path!r} has no parameter that trains in this '
                        'algorithm (a frozen teacher, or a parameter-free module), so naming '
                        'it changes nothing.')
                names |= found
            return names

        if isinstance(trainable, str) or isinstance(frozen, str):
            raise KDConfigError(f'{where}: trainable and frozen are lists of module paths')
        train = set(self._baseline['trainable'])
        if trainable is not None:
            train &= under(trainable, 'trainable')
        train -= under(frozen, 'frozen')
        if not train:
            raise KDConfigError(f'{where}: no parameter would train in this stage; check its '
                                'trainable and frozen module lists.')
        for name, param in self.named_parameters():
            param.requires_grad_(name in train)
        self._stage_eval_modules = _frozen_subtrees(
            self, train, self._baseline['trainable']) if frozen_eval else []
        self.calculate_student_loss = self._baseline['student_loss'] \
            if calculate_student_loss is None else bool(calculate_student_loss)
        if self.training:
            self.train()
        return train

    def init_weights(self) -> None:
        """Initialise each part (student, teachers, peers, connectors, ...) with torch's
        generator seeded from the run's seed and the part's name (``'architecture.init'``,
        ...), so that a part's initial weights depend on nothing else the algorithm holds
        (a live or a cached teacher, other teachers). Parts already initialised (a loaded
        teacher) are left alone, as MMEngine does."""
        for name, child in self.named_children():
            for key, module in _initialisable(name, child):
                with seeded_component(f'{key}.init'):
                    module.init_weights()
        super().init_weights()  # the algorithm's own init_cfg; the parts are initialised

    def train(self, mode: bool = True) -> 'BaseAlgorithm':
        super().train(mode)
        if mode:
            for module in self._stage_eval_modules:
                module.eval()
        return self

    def build_distiller(self, cfg, distiller_type: type):
        """Build ``model.distiller`` (must be a ``distiller_type``) and install its student
        recorders; the algorithm installs the teacher side itself."""
        with mmkd_scope():  # mmkd's components, whatever the file's default_scope
            distiller = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
        if not isinstance(distiller, distiller_type):
            raise KDConfigError(f'model.distiller must be a {distiller_type.__name__} (or a '
                                f'subclass) for {type(self).__name__}, got {type(distiller).__name__}')
        distiller.prepare_from_student(self.student)
        if distiller.unresolved:  # only then: a cached teacher is otherwise never built
            distiller.resolve_auto(dict(self.probe_models(), student=self.student),
                                   self.model_inputs)
        return distiller

    def probe_models(self) -> Dict[str, nn.Module]:
        """Every model but the student by record source name, for the probe pass that
        resolves ``'auto'`` distiller arguments (built models, or architectures without
        weights for those the algorithm does not build). Called by :meth:`build_distiller`."""
        return {}

    def student_and_distill_losses(self, inputs: torch.Tensor, data_samples: Optional[List],
                                   losses: Dict[str, torch.Tensor], distiller: str = 'distiller'
                                   ) -> Dict[str, torch.Tensor]:
        """Run the student inside the recorders of the named distiller, then compute its
        losses; add both to ``losses`` (``student.<loss>``, and ``distill.<loss>`` or
        ``<distiller>.<loss>``, see :meth:`distillers`). Called after the other models have
        run inside their recorders.
        """
        grad = self.student_trainable
        inputs = self.view_of('student', inputs)
        name, distiller = distiller, self.distillers()[distiller]
        if self.calculate_student_loss:
            losses.update(add_prefix(distiller.record(
                'student', lambda: self.student(inputs, data_samples, mode='loss'), grad=grad,
                required=True), 'student'))
        else:
            # skipped when nothing at this step reads the student (e.g. a connector's
            # pre-training stage on teacher features)
            distiller.record('student', lambda: self.student(inputs, data_samples,
                                                             mode='tensor'), grad=grad)
        losses.update(add_prefix(distiller.compute_distill_losses(data_samples),
                                 loss_log_prefix(name)))
        distiller.reset_records()
        return losses

    def loss(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """The training losses. Without distillation: the student's own."""
        return self.architecture(self.view_of('student', inputs), data_samples, mode='loss')

    #: whether some parameters that train receive no gradient in some forward passes of a
    #: step (an algorithm with phases): its DDP wrapper then needs find_unused_parameters
    unused_parameters_in_steps: bool = False

    @property
    def step_model(self) -> nn.Module:
        """What a training step runs its forward passes through and hands to
        ``optim_context``: the algorithm's DDP wrapper while a distributed run's step runs
        (:class:`~mmkd.models.algorithms.AlgorithmDataParallel`; a forward through it is what
        makes DDP synchronise the gradients of the backward), else the algorithm itself."""
        return self.__dict__.get('_step_wrapper') or self

    @contextmanager
    def stepping_through(self, wrapper: nn.Module):
        """Within this context, :attr:`step_model` is ``wrapper`` (kept out of the module
        tree: it holds the algorithm)."""
        self.__dict__['_step_wrapper'] = wrapper
        try:
            yield
        finally:
            self.__dict__.pop('_step_wrapper', None)

    def step_losses(self, data, **kwargs) -> Dict[str, torch.Tensor]:
        """``forward(mode='loss')`` on a preprocessed batch (``kwargs`` go on to
        :meth:`loss`), through :attr:`step_model`."""
        model = self.step_model
        if isinstance(data, dict):
            return model(**data, mode='loss', **kwargs)
        return model(*data, mode='loss', **kwargs)

    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """MMEngine's step (preprocess, losses, update), with the update that the optimizer
        wrapper asks for: a :class:`LossPartsOptimWrapper` (DOT's) is handed the student's own
        loss (``student.*``) and the rest (the distillation losses) apart; every wrapper of an
        ``OptimWrapperDict`` (e.g. a discriminator's own optimizer beside the student's) is
        stepped from one backward of the sum (:func:`update_together`)."""
        context = optim_wrapper if not isinstance(optim_wrapper, OptimWrapperDict) \
            else next(iter(optim_wrapper.values()))
        with context.optim_context(self.step_model):
            data = self.data_preprocessor(data, True)
            losses = self.step_losses(data)
        parsed, log_vars = self.parse_losses(losses)
        if isinstance(optim_wrapper, OptimWrapperDict):
            update_together(optim_wrapper, parsed)
        elif isinstance(optim_wrapper, LossPartsOptimWrapper):
            task = {k: v for k, v in losses.items() if k.startswith('student.')}
            distill = {k: v for k, v in losses.items() if k not in task}
            if not task or not distill:
                raise KDConfigError(f'{type(optim_wrapper).__name__} needs both the student\'s '
                                    f'own loss and a distillation loss in a step; this step has '
                                    f'{sorted(losses)}')
            optim_wrapper.update_params_split(self.parse_losses(task)[0],
                                              self.parse_losses(distill)[0])
        else:
            optim_wrapper.update_params(parsed)
        return log_vars


def algorithm_keywords(cls: type) -> List[str]:
    """The config keys of an algorithm class: the keyword arguments of its and its bases'
    ``__init__``."""
    import inspect
    keys = []
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY) and \
                    param.name != 'self' and param.name not in keys:
                keys.append(param.name)
    return keys


def loss_log_prefix(distiller: str) -> str:
    """The prefix of the logged losses of the distiller of that name (see
    :meth:`BaseAlgorithm.distillers`)."""
    return 'distill' if distiller == 'distiller' else distiller


def _initialisable(name: str, module: nn.Module):
    """(key, module) pairs of the parts under child ``name`` that MMEngine would initialise:
    the child itself, or each entry of a ``ModuleDict`` (the teachers, peers, connectors)
    by ``name.entry``."""
    if isinstance(module, (nn.ModuleDict, nn.ModuleList)):
        for entry, sub in module.named_children():
            yield from _initialisable(f'{name}.{entry}', sub)
    elif hasattr(module, 'init_weights') and not getattr(module, 'is_init', False):
        yield name, module


def _frozen_subtrees(root: nn.Module, train: Set[str], baseline: Set[str]) -> List[nn.Module]:
    """The largest submodules of ``root`` whose parameters all normally train but are frozen
    now (not in ``train``)."""
    found = []

    def visit(module: nn.Module, prefix: str) -> None:
        names = {f'{prefix}{n}' for n, _ in module.named_parameters()}
        if not names or names & train:
            for child_name, child in module.named_children():
                visit(child, f'{prefix}{child_name}.')
        elif names <= baseline:
            found.append(module)
        else:  # holds parameters that never train (e.g. a frozen teacher's): look deeper
            for child_name, child in module.named_children():
                visit(child, f'{prefix}{child_name}.')

    visit(root, '')
    return found
