"""Channel shuffle of ShuffleNet (Zhang et al., 2018)."""
import torch


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(N, g*c, H, W) -> view (N, g, c, H, W) -> swap g and c -> (N, c*g, H, W)."""
    n, channels, h, w = x.shape
    return x.reshape(n, groups, channels // groups, h, w).transpose(1, 2).reshape(n, channels, h, w)
