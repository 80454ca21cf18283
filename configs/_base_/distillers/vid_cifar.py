# Variational information distillation (Ahn et al. 2019) as RepDistiller runs it on CIFAR-100:
# one VIDLoss per stage (regressor student -> teacher -> teacher channels, initial variance 5,
# eps 1e-5), weight 1 each, next to the student's CE. The losses are in the pair configs,
# since their regressors are sized by the pair; the mappings (`vid_mappings{n}`) are in
# cifar_stage_taps.py.
_base_ = ['./cifar_stage_taps.py']
