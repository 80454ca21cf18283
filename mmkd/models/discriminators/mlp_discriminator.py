"""A discriminator of logits or pooled features, for adversarial distillation."""
from typing import Optional, Sequence

import torch
import torch.nn as nn

from mmkd.registry import MODELS


@MODELS.register_module()
class MLPDiscriminator(nn.Module):
    """An MLP from a record (B, C), or a feature map (B, C, H, W) averaged over space, to
    one real/fake logit per sample; optionally conditioned on the class (the one-hot label
    concatenated to its input, as a conditional GAN's discriminator).

    Args:
        in_channels (int): C.
        hidden_channels (sequence of int): the hidden widths. Defaults to (256, 256).
        num_classes (int, optional): condition on the label: the width of the one-hot label
            concatenated to the input. Defaults to None (unconditional).
        leaky_slope (float): the LeakyReLU slope. Defaults to 0.2.
    """

    def __init__(self, in_channels: int, hidden_channels: Sequence[int] = (256, 256),
                 num_classes: Optional[int] = None, leaky_slope: float = 0.2) -> None:
        super().__init__()
        self.num_classes = num_classes
        layers, width = [], in_channels + (num_classes or 0)
        for hidden in hidden_channels:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(leaky_slope)]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        if x.dim() > 2:
            x = x.flatten(2).mean(-1)
        if self.num_classes:
            if labels is None:
                raise ValueError('MLPDiscriminator: a conditional discriminator needs the labels')
            onehot = torch.nn.functional.one_hot(labels, self.num_classes).to(x.dtype)
            x = torch.cat([x, onehot], dim=1)
        return self.layers(x).squeeze(1)
