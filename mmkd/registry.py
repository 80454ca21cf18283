"""mmkd's registries: children of MMEngine's root registries.

Each registry names the package ``locations`` that register into it, so a config with
``default_scope='mmkd'`` builds without a manual "register all" call. Components of other
OpenMMLab packages are reached with their scope prefix, e.g. ``type='mmpretrain.ResNet'``;
transforms also without it (see ``TRANSFORMS``).
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS

_MODELS = ['mmkd.models']
_ENGINE = ['mmkd.engine']

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=_ENGINE)
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, locations=_ENGINE)
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=_ENGINE)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=_ENGINE)
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, locations=_ENGINE)
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=_ENGINE)
OPTIM_WRAPPERS = Registry(
    'optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=_ENGINE)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=_ENGINE)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, locations=_ENGINE)

DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['mmkd.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['mmkd.datasets'])
# A child of mmpretrain's transforms (themselves a child of MMEngine's, where mmcv's are):
# transforms that build others by unprefixed name when they are built (RandAugment's and
# AutoAugment's policies, 'AutoContrast', ...) do so in the current scope, which is 'mmkd' in
# mmkd's configs; the lookup then falls back to mmpretrain's.
TRANSFORMS = Registry(
    'transform', parent=MMPRETRAIN_TRANSFORMS, locations=['mmkd.datasets'])

MODELS = Registry('model', parent=MMENGINE_MODELS, locations=_MODELS)
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=_MODELS)
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, locations=_MODELS)
# Recorders live here, as in MMRazor.
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, locations=_MODELS)

METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['mmkd.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, locations=['mmkd.evaluation'])

# mmkd adds no visualizer or backend of its own: MMEngine's (and mmpretrain's) serve.
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, locations=_ENGINE)
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS, locations=_ENGINE)

FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=_MODELS)
