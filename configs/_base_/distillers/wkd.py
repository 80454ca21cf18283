# WKD (Lv et al., NeurIPS 2024), the reference's CIFAR-100 settings for resnet32x4 -> resnet8x4
# (JiamingLv/WKD, configs/cifar100/wkd_{l,f}): CE weight 1 and
# - WKD-L: the non-target classes' Wasserstein distance at temperature 8, weight 600, Sinkhorn
#   lambda 0.05 over 10 iterations, next to NKD's target-class term (NKDLoss(gamma=0), weight 1);
#   the class costs from the teacher's classifier weights (the reference's "fc" option; its
#   tables use costs from teacher features, a cost file here);
# - WKD-F: the last stage's Gaussian (mean, deviation) distance, the student's map through a
#   conv-BN-ReLU projector, weight 0.08, mean/deviation ratio 4, one grid cell;
# both weights decayed by a cosine from epoch 150 to 0 at 240 (`wkd_hooks_*`).
_base_ = ['./logits.py', './cifar_stage_taps.py']
student_loss_weight = 1.0
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
wkd_l_losses = dict(
    loss_target=dict(type='NKDLoss', gamma=0.0),
    loss_wkd_l=dict(type='WKDLogitLoss', num_classes='auto', cost='prototypes', tau=8.0,
                    loss_weight=600.0))
wkd_l_mappings = dict(loss_target={{_base_.logits_mapping}}, loss_wkd_l={{_base_.logits_mapping}})
wkd_f_connectors = dict(proj=dict(
    type='HintRegressor', in_channels='auto', out_channels='auto', in_size='auto',
    out_size='auto', use_relu=True))
wkd_f_losses = dict(loss_wkd_f=dict(type='WKDFeatureLoss', mean_cov_ratio=4.0, grid=1,
                                    loss_weight=0.08))
wkd_f_mappings = dict(loss_wkd_f=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False)))
# the reference's 1-based epochs e > 150: 0.5 (1 + cos((e - 150) / 90 pi)), MMEngine's 0-based t
_decay = dict(type='CosineWeight', begin=149, end=239)
wkd_l_distiller = dict(
    type='ConfigurableDistiller', input_shape=(3, 32, 32),
    student_recorders={{_base_.logits_recorders}}, teacher_recorders={{_base_.logits_recorders}},
    distill_losses=wkd_l_losses, loss_forward_mappings=wkd_l_mappings)
wkd_f_distiller = dict(
    type='ConfigurableDistiller', input_shape=(3, 32, 32),
    student_recorders=dict(feat={{_base_.taps3.stage3}}),
    teacher_recorders=dict(feat={{_base_.taps3.stage3}}),
    connectors=wkd_f_connectors, distill_losses=wkd_f_losses,
    loss_forward_mappings=wkd_f_mappings)
wkd_hooks_l, wkd_hooks_f = [[
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='LossWeightScheduleHook', schedules={loss: _decay})] for loss in
    ('loss_wkd_l', 'loss_wkd_f')]
