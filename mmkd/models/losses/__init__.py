from .activated_l2 import ActivatedL2Loss, activated_l2
from .activation_boundary import ABLoss, ab_loss
from .adversarial_kd import AdversarialLoss, adversarial_kd_losses
from .batch_norm_statistics import BNStatisticsLoss, bn_statistics_loss
from .attention_transfer import ATLoss, at_loss, attention_map
from .contrastive_representation import CRDLoss, momentum_update, nce_contrast_loss
from .correlation_congruence import CCLoss, cc_loss
from .channel_wise_divergence import ChannelWiseDivergence, cwd_loss
from .decoupled_kd import DKDLoss, dkd_loss
from .dist_loss import DISTLoss, dist_loss
from .hard_label_kd import HardLabelKD, hard_label_kd
from .kl_divergence import KLDivergence, kl_divergence
from .label_cross_entropy import LabelCELoss
from .hierarchical_context import HCLLoss, hcl
from .in_batch_contrastive import InBatchContrastiveLoss, in_batch_contrastive_loss
from .data_free_learning import (ActivationLoss, InformationEntropyLoss, OnehotLikeLoss,
                                 activation_loss, information_entropy_loss, onehot_like_loss)
from .l1_loss import L1Loss
from .l2_loss import L2Loss, l2_loss
from .factor_transfer import FTLoss, ft_loss
from .flow_of_solution import FSPLoss, fsp_loss, fsp_matrix
from .multi_teacher_kd import MultiTeacherKLDivergence, multi_teacher_kd
from .neuron_selectivity import NSTLoss, nst_loss
from .overhaul_distillation import OFDLoss, ofd_loss, ofd_margin
from .pearson_kd import PKDLoss, pkd_loss
from .probabilistic_kt import PKTLoss, pkt_loss
from .relational_kd import AngleWiseRKD, DistanceWiseRKD, rkd_angle_loss, rkd_distance_loss
from .similarity_preserving import SPLoss, sp_loss
from .variational_information import VIDLoss, vid_nll
from .partial_kd import KDPartialPT, KDPartialPTSim, KDPartialSim, KDPartialTopK
from .weighted_soft_label import WSLDLoss, wsld_loss
from .curriculum_temperature import CurriculumTemperature, GradientReversal
from .logit_standardization import LogitLoss, standardize_logits
from .multi_level_logit import MLKDLoss, mlkd_loss
from .normalized_kd import NKDLoss, nkd_loss
from .streamlined_kd import SKDDirectionLoss, SKDInstanceLoss, skd_direction_loss
from .universal_self_kd import USKDLoss, uskd_loss
from .wasserstein_kd import (WKDFeatureLoss, WKDLogitLoss, sinkhorn_flow, wkd_feature_loss,
                             wkd_logit_loss)

__all__ = [
    'AdversarialLoss', 'adversarial_kd_losses',
    'BNStatisticsLoss', 'bn_statistics_loss', 'ActivationLoss', 'InformationEntropyLoss',
    'OnehotLikeLoss', 'activation_loss', 'information_entropy_loss', 'onehot_like_loss', 'L1Loss',
    'DKDLoss', 'dkd_loss', 'DISTLoss', 'dist_loss', 'HardLabelKD', 'hard_label_kd',
    'KLDivergence', 'kl_divergence', 'L2Loss', 'l2_loss', 'WSLDLoss', 'wsld_loss',
    'KDPartialPT', 'KDPartialSim', 'KDPartialPTSim', 'KDPartialTopK', 'MultiTeacherKLDivergence',
    'multi_teacher_kd', 'ABLoss', 'ab_loss', 'ATLoss', 'at_loss', 'attention_map',
    'ChannelWiseDivergence', 'cwd_loss', 'FTLoss', 'ft_loss', 'NSTLoss', 'nst_loss', 'OFDLoss',
    'ofd_loss', 'ofd_margin', 'PKDLoss', 'pkd_loss', 'VIDLoss', 'vid_nll', 'HCLLoss', 'hcl',
    'CCLoss', 'cc_loss', 'FSPLoss', 'fsp_loss', 'fsp_matrix', 'PKTLoss', 'pkt_loss', 'AngleWiseRKD',
    'DistanceWiseRKD', 'rkd_angle_loss', 'rkd_distance_loss', 'SPLoss', 'sp_loss',
    'InBatchContrastiveLoss', 'in_batch_contrastive_loss', 'CRDLoss', 'momentum_update',
    'nce_contrast_loss', 'ActivatedL2Loss', 'activated_l2', 'LabelCELoss', 'LogitLoss',
    'standardize_logits', 'MLKDLoss', 'mlkd_loss', 'NKDLoss', 'nkd_loss', 'USKDLoss', 'uskd_loss',
    'CurriculumTemperature', 'GradientReversal', 'WKDFeatureLoss', 'WKDLogitLoss',
    'sinkhorn_flow', 'wkd_feature_loss', 'wkd_logit_loss', 'SKDDirectionLoss', 'SKDInstanceLoss',
    'skd_direction_loss'
]
