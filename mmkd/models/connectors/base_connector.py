"""The connector interface: a small trainable adapter between student and teacher."""
from abc import abstractmethod

import torch
from mmengine.model import BaseModule


class BaseConnector(BaseModule):
    """Maps one recorded tensor (usually a student feature) to what a loss compares it with.

    Connectors are trained with the student and saved in its checkpoints.
    """

    def forward(self, feature: torch.Tensor) -> torch.Tensor:
        return self.forward_train(feature)

    @abstractmethod
    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Transform ``feature``."""
