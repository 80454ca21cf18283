from .base_connector import BaseConnector
from .conv_module_connector import ConvModuleConnector

__all__ = ['BaseConnector', 'ConvModuleConnector']
