# A small mmpretrain ViT for the 8x8 digits: 2x2 patches (a 4x4 grid of tokens), 2 layers of 32
# channels and 2 heads, one class token; the classifier's head is head.layers.head. `vit_model`
# trains on its CE alone, `vit_student_model` at CE weight 0.1 beside distillation.


def _vit(ce_weight):
    return dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='VisionTransformer', img_size=8, patch_size=2, in_channels=1,
                      arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                feedforward_channels=64),
                      out_type='cls_token'),
        neck=None,
        head=dict(type='VisionTransformerClsHead', num_classes=10, in_channels=32,
                  loss=dict(type='CrossEntropyLoss', loss_weight=ce_weight)))


vit_model, vit_student_model = _vit(1.0), _vit(0.1)
