# CRD (Tian et al. 2020) as RepDistiller runs it on CIFAR-100: the pooled features, 128-d
# embeddings, 16384 negatives of other classes per sample (drawn by SampleIndexDataset, its
# "exact" sampling), tau 0.07, momentum 0.5, weight 0.8, next to the student's CE. Pair
# configs size the embedding heads.
_base_ = ['./cifar_stage_taps.py']
