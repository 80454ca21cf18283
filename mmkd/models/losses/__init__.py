from .activation_boundary import ABLoss, ab_loss
from .attention_transfer import ATLoss, at_loss, attention_map
from .channel_wise_divergence import ChannelWiseDivergence, cwd_loss
from .decoupled_kd import DKDLoss, dkd_loss
from .dist_loss import DISTLoss, dist_loss
from .hard_label_kd import HardLabelKD, hard_label_kd
from .kl_divergence import KLDivergence, kl_divergence
from .hierarchical_context import HCLLoss, hcl
from .l2_loss import L2Loss, l2_loss
from .factor_transfer import FTLoss, ft_loss
from .multi_teacher_kd import MultiTeacherKLDivergence, multi_teacher_kd
from .neuron_selectivity import NSTLoss, nst_loss
from .overhaul_distillation import OFDLoss, ofd_loss, ofd_margin
from .pearson_kd import PKDLoss, pkd_loss
from .variational_information import VIDLoss, vid_nll
from .partial_kd import KDPartialPT, KDPartialPTSim, KDPartialSim, KDPartialTopK
from .weighted_soft_label import WSLDLoss, wsld_loss

__all__ = [
    'DKDLoss', 'dkd_loss', 'DISTLoss', 'dist_loss', 'HardLabelKD', 'hard_label_kd',
    'KLDivergence', 'kl_divergence', 'L2Loss', 'l2_loss', 'WSLDLoss', 'wsld_loss',
    'KDPartialPT', 'KDPartialSim', 'KDPartialPTSim', 'KDPartialTopK', 'MultiTeacherKLDivergence',
    'multi_teacher_kd', 'ABLoss', 'ab_loss', 'ATLoss', 'at_loss', 'attention_map',
    'ChannelWiseDivergence', 'cwd_loss', 'FTLoss', 'ft_loss', 'NSTLoss', 'nst_loss', 'OFDLoss',
    'ofd_loss', 'ofd_margin', 'PKDLoss', 'pkd_loss', 'VIDLoss', 'vid_nll', 'HCLLoss', 'hcl'
]
