# A CNN student distilled from a ViT teacher on the digits (train the teacher with
# vit_digits.py first): KD on the logits (tau 4, 0.9, next to CE x 1), and the teacher's last
# tokens, turned into a 4x4 map on the teacher's side (TokensToMap, the class token dropped),
# regressed by the student's stage 2 through a conv1x1-BN to the teacher's channels (MSE x 1),
# all sized 'auto'.
_base_ = ['../_base_/digits_cross_arch_run.py']
model = dict(
    type='SingleTeacherDistill',
    architecture={{_base_.student_model}},
    teacher={{_base_.vit_model}},
    teacher_ckpt='work_dirs/vit_digits/epoch_40.pth',
    distiller=dict(
        type='ConfigurableDistiller', input_shape=(1, 8, 8),
        student_recorders=dict(logits={{_base_.logits_recorders.logits}},
                               feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.layers.head'),
                               tokens=dict(type='ModuleOutputs', source='backbone.layers.1')),
        connectors=dict(
            to_map=dict(type='TokensToMap', in_channels='auto'),
            proj=dict(type='ConvModuleConnector', in_channel='auto', out_channel='auto',
                      norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
                            loss_hint=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd={{_base_.logits_mapping}},
            loss_hint=dict(preds_S=dict(recorder='feat', from_student=True, connector='proj'),
                           preds_T=dict(recorder='tokens', from_student=False,
                                        connector='to_map')))))
