# DeiT's hard distillation through its distillation token (Touvron et al., ICML 2021), from the
# digits CNN teacher: a small mmpretrain DistilledVisionTransformer (2x2 patches, 2 layers, 32
# wide) whose class-token head learns the labels (CE x 0.5) and whose distillation-token head
# learns the teacher's argmax (HardLabelKD x 0.5); validation averages the two heads, as DeiT
# predicts (DeiTDistillHead). AdamW, as transformers train.
_base_ = ['../_base_/digits_kd_run.py']
model = dict(
    architecture=dict(
        _delete_=True, _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='DistilledVisionTransformer', img_size=8, patch_size=2,
                      in_channels=1, out_type='cls_token',
                      arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                feedforward_channels=64)),
        neck=None,
        head=dict(type='mmkd.DeiTDistillHead', num_classes=10, in_channels=32,
                  loss=dict(type='CrossEntropyLoss', loss_weight=0.5))),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(dist=dict(type='ModuleOutputs', source='head.layers.head_dist')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_hard=dict(type='HardLabelKD', loss_weight=0.5)),
        loss_forward_mappings=dict(loss_hard=dict(
            preds_S=dict(recorder='dist', from_student=True),
            preds_T=dict(recorder='logits', from_student=False)))))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=3e-3, weight_decay=0.05))
