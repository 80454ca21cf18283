from .base_recorder import BaseRecorder
from .batch_norm_statistics import BatchNormStatistics
from .function_outputs import FunctionOutputs
from .method_outputs import MethodOutputs
from .module_inputs import ModuleInputs
from .module_outputs import ModuleOutputs
from .parameter import Parameter
from .recorder_manager import ForwardComplete, RecorderManager

__all__ = [
    'BaseRecorder', 'BatchNormStatistics', 'FunctionOutputs', 'MethodOutputs', 'ModuleInputs', 'ModuleOutputs',
    'Parameter', 'RecorderManager', 'ForwardComplete'
]
