"""DeiT's two heads, trainable: the class token's for the labels, the distillation token's for
the teacher (Touvron et al., ICML 2021)."""
from typing import List, Tuple

import torch
from mmpretrain.models.heads import DeiTClsHead

from mmkd.registry import MODELS


@MODELS.register_module()
class DeiTDistillHead(DeiTClsHead):
    """The head of a distilled DeiT ("Training data-efficient image transformers &
    distillation through attention", Touvron et al., ICML 2021) that trains.

    mmpretrain's ``DeiTClsHead`` averages the class-token and distillation-token heads in
    training too (and warns that it cannot train). Here, in training, both heads run, the
    forward returns the class token's logits (so the classifier's own loss, e.g. CE at weight
    0.5, is the class head's), and the distillation token's logits are what a recorder on
    ``head.layers.head_dist`` gives a distillation loss (``HardLabelKD`` for DeiT's hard
    distillation, ``KLDivergence`` for its soft one, towards any teacher, a CNN included). In
    evaluation the two heads are averaged, as DeiT predicts. Its weights load mmpretrain's DeiT
    checkpoints unchanged.
    """

    def forward(self, feats: Tuple[List[torch.Tensor]]) -> torch.Tensor:
        cls_token, dist_token = self.pre_logits(feats)
        cls_score = self.layers.head(cls_token)
        dist_score = self.layers.head_dist(dist_token)
        if self.training:
            return cls_score
        return (cls_score + dist_score) / 2
