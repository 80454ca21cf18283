"""The generator of data-free distillation (DAFL, DFAD): noise to a batch of images."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError


@MODELS.register_module()
class DCGANGenerator(nn.Module):
    """A DCGAN-style generator sized by the image shape, as DAFL's (Chen et al., ICCV 2019,
    ``DAFL-train.py``) and DFAD's ``GeneratorA`` (Fang et al., 2019).

    z (B, latent_dim) -> Linear -> (hidden, H/4, W/4) -> BN -> 2x nearest upsampling ->
    conv3x3(hidden) + BN + LeakyReLU -> 2x upsampling -> conv3x3(hidden/2) + BN + LeakyReLU ->
    conv3x3(C) -> tanh -> BN without affine parameters.

    The last BatchNorm standardises each output channel over the batch, so the images have
    the mean and spread of a normalised batch whatever the data preprocessor's constants.

    Args:
        image_shape (sequence of int): (C, H, W) of the images; H and W divisible by 4.
        latent_dim (int): the noise size. Defaults to 100 (DAFL's MNIST setting).
        hidden_channels (int): the width after the linear layer. Defaults to 128.
        bn_eps (float): eps of the two inner BatchNorms after the convolutions: 0.8 in DAFL's
            code (its ``BatchNorm2d(128, 0.8)`` passes 0.8 as eps; MMRazor keeps it), 1e-5
            (PyTorch's default) in DFAD's. Defaults to 0.8.
        leaky_slope (float): the LeakyReLU slope. Defaults to 0.2.
    """

    def __init__(self, image_shape: Sequence[int], latent_dim: int = 100,
                 hidden_channels: int = 128, bn_eps: float = 0.8,
                 leaky_slope: float = 0.2) -> None:
        super().__init__()
        if len(image_shape) != 3 or any(int(s) < 1 for s in image_shape) or \
                image_shape[1] % 4 or image_shape[2] % 4:
            raise KDConfigError(f'DCGANGenerator.image_shape must be (C, H, W) with H and W '
                                f'divisible by 4, got {tuple(image_shape)}')
        if latent_dim < 1 or hidden_channels < 2:
            raise KDConfigError('DCGANGenerator: latent_dim must be >= 1 and hidden_channels '
                                f'>= 2, got {latent_dim} and {hidden_channels}')
        channels, height, width = (int(s) for s in image_shape)
        self.image_shape = (channels, height, width)
        self.latent_dim = latent_dim
        self.hidden_channels = hidden_channels
        self.fc = nn.Linear(latent_dim, hidden_channels * (height // 4) * (width // 4))
        self.norm0 = nn.BatchNorm2d(hidden_channels)
        self.block1 = nn.Sequential(
            nn.Conv2d(hidden_channels, hidden_channels, 3, padding=1),
            nn.BatchNorm2d(hidden_channels, eps=bn_eps), nn.LeakyReLU(leaky_slope, inplace=True))
        self.block2 = nn.Sequential(
            nn.Conv2d(hidden_channels, hidden_channels // 2, 3, padding=1),
            nn.BatchNorm2d(hidden_channels // 2, eps=bn_eps),
            nn.LeakyReLU(leaky_slope, inplace=True),
            nn.Conv2d(hidden_channels // 2, channels, 3, padding=1), nn.Tanh(),
            nn.BatchNorm2d(channels, affine=False))

    def sample_noise(self, num: int, device=None) -> torch.Tensor:
        """z ~ N(0, I) of shape (num, latent_dim), from torch's generator of ``device``."""
        return torch.randn(num, self.latent_dim, device=device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        _, height, width = self.image_shape
        x = self.fc(z.flatten(1)).view(z.shape[0], self.hidden_channels, height // 4, width // 4)
        x = F.interpolate(self.norm0(x), scale_factor=2)
        x = F.interpolate(self.block1(x), scale_factor=2)
        return self.block2(x)
