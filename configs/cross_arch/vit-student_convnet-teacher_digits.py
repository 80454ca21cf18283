# A ViT student distilled from a CNN teacher on the digits: a small mmpretrain ViT (2x2
# patches of the 8x8 image, a 4x4 grid of 32-wide tokens, 2 layers) learns from the digits CNN
# teacher's logits (KD, tau 4, 0.9, CE 0.1) and its stage-2 map: the ViT's last tokens as a map
# (TokensToMap: the class token dropped, projected to the teacher's channels and grid, sized
# 'auto') regressed to it (MSE x 1). AdamW, as transformers train.
_base_ = ['../_base_/digits_cross_arch_run.py']
model = dict(
    type='SingleTeacherDistill',
    architecture={{_base_.vit_student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt='work_dirs/teacher_convnet_digits/epoch_40.pth',
    distiller=dict(
        type='ConfigurableDistiller', input_shape=(1, 8, 8),
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.layers.head'),
                               tokens=dict(type='ModuleOutputs', source='backbone.layers.1')),
        teacher_recorders=dict(logits={{_base_.logits_recorders.logits}},
                               feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
        connectors=dict(to_map=dict(type='TokensToMap', in_channels='auto',
                                    out_channels='auto', out_size='auto')),
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.9),
                            loss_hint=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd={{_base_.logits_mapping}},
            loss_hint=dict(preds_S=dict(recorder='tokens', from_student=True, connector='to_map'),
                           preds_T=dict(recorder='feat', from_student=False)))))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=3e-3, weight_decay=0.05))
