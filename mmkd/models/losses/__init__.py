from .kl_divergence import KLDivergence, kl_divergence
from .l2_loss import L2Loss, l2_loss

__all__ = ['KLDivergence', 'kl_divergence', 'L2Loss', 'l2_loss']
