from .decoupled_kd import DKDLoss, dkd_loss
from .dist_loss import DISTLoss, dist_loss
from .hard_label_kd import HardLabelKD, hard_label_kd
from .kl_divergence import KLDivergence, kl_divergence
from .l2_loss import L2Loss, l2_loss
from .multi_teacher_kd import MultiTeacherKLDivergence, multi_teacher_kd
from .partial_kd import KDPartialPT, KDPartialPTSim, KDPartialSim, KDPartialTopK
from .weighted_soft_label import WSLDLoss, wsld_loss

__all__ = [
    'DKDLoss', 'dkd_loss', 'DISTLoss', 'dist_loss', 'HardLabelKD', 'hard_label_kd',
    'KLDivergence', 'kl_divergence', 'L2Loss', 'l2_loss', 'WSLDLoss', 'wsld_loss',
    'KDPartialPT', 'KDPartialSim', 'KDPartialPTSim', 'KDPartialTopK', 'MultiTeacherKLDivergence',
    'multi_teacher_kd'
]
