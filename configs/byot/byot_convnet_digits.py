# BYOT self-distillation ("Be Your Own Teacher", Zhang et al. 2019) on the digits CNN 8-16:
# one shallow exit on stage 1 (8 channels, 8x8; bottleneck to the deepest 16 channels with a
# stride-2 conv, pooling, classifier). Weights of the authors' code (a stored copy): the
# exit's and the deepest CE x (1 - alpha) with alpha 0.1, the KL towards the deepest
# classifier's prediction at temperature 3 (x T^2, inside KLDivergence) x alpha, and the
# feature loss towards the deepest pooled feature x 1e-6 (summed).
_base_ = [
    '../_base_/models/digits/self_distill_convnet.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=0.9))),
    exits=dict(exit1='stage1'),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            stage1=dict(type='ModuleOutputs', source='backbone.stages.0'),
            logits=dict(type='ModuleOutputs', source='head.fc'),
            pooled=dict(type='ModuleInputs', source='head.fc')),
        connectors=dict(exit1=dict(type='ExitBranch', in_channels=8, out_channels=16,
                                   num_classes=10, downsample=2)),
        distill_losses=dict(
            loss_ce_exit1=dict(type='LabelCELoss', loss_weight=0.9),
            loss_kd_exit1=dict(type='KLDivergence', tau=3.0, loss_weight=0.1),
            loss_feat_exit1=dict(type='ActivatedL2Loss', reduction='sum', loss_weight=1e-6)),
        loss_forward_mappings=dict(
            loss_ce_exit1=dict(preds_S=dict(recorder='stage1', source='student',
                                            connector='exit1')),
            loss_kd_exit1=dict(preds_S=dict(recorder='stage1', source='student',
                                            connector='exit1'),
                               preds_T=dict(recorder='logits', source='student')),
            loss_feat_exit1=dict(preds_S=dict(recorder='stage1', source='student',
                                              connector='exit1.features'),
                                 preds_T=dict(recorder='pooled', source='student')))))
val_cfg = dict(type='DistillValLoop', models=['exit1'])
