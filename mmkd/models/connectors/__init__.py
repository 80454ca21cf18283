from .base_connector import BaseConnector
from .conv_module_connector import ConvModuleConnector
from .linear_connector import LinearConnector
from .ofd_teacher_connector import OFDTeacherConnector
from .torch_op_connectors import (FlattenConnector, InterpolateConnector, NormalizeConnector,
                                  PoolConnector)

__all__ = [
    'BaseConnector', 'ConvModuleConnector', 'LinearConnector', 'OFDTeacherConnector',
    'FlattenConnector', 'InterpolateConnector', 'NormalizeConnector', 'PoolConnector'
]
