from .base_connector import BaseConnector
from .conv_module_connector import ConvModuleConnector
from .exit_branch import ExitBranch
from .factor_transfer import Paraphraser, Translator
from .hint_regressor import HintRegressor
from .linear_connector import LinearConnector
from .logit_projector import LogitProjector
from .ofd_teacher_connector import OFDTeacherConnector
from .review_fusion import ReviewKDFusion
from .token_map import MapToTokens, TokensToMap
from .torch_op_connectors import (FlattenConnector, InterpolateConnector, NormalizeConnector,
                                  PoolConnector)

__all__ = [
    'BaseConnector', 'ConvModuleConnector', 'LinearConnector', 'OFDTeacherConnector',
    'FlattenConnector', 'InterpolateConnector', 'NormalizeConnector', 'PoolConnector',
    'HintRegressor', 'Paraphraser', 'Translator', 'ReviewKDFusion', 'ExitBranch',
    'TokensToMap', 'MapToTokens', 'LogitProjector'
]
