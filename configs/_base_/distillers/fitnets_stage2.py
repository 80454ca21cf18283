# FitNets (Romero et al. 2015) as mdistiller runs it on CIFAR-100: hint layer 2 (the end of stage 2,
# backbone.taps.stage2 of the CIFAR zoo), MSE x 100 next to the student's CE x 1. The connector
# (conv-BN-ReLU regressor, shaped by the pair) is in each method config.
stage2_recorders = dict(feat=dict(type='ModuleOutputs', source='backbone.taps.stage2'))
hint_losses = dict(loss_hint=dict(type='L2Loss', loss_weight=100.0))
hint_mappings = dict(
    loss_hint=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='hint'),
        preds_T=dict(recorder='feat', from_student=False)))
