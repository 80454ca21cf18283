"""Distillation between a ViT and a CNN: tokens as maps and maps as tokens, logits from any
stage, and a configuration in each direction that trains."""
import pytest
import torch

from helpers import STUDENT, TEACHER, build_classifier
from mmkd.cli.inspect_model import suggest_connector
from mmkd.models.connectors import LogitProjector, MapToTokens, TokensToMap
from mmkd.registry import MODELS

# a small mmpretrain ViT on the 8x8 digits: 2x2 patches, a 4x4 grid, one class token
VIT = dict(_scope_='mmpretrain', type='ImageClassifier',
           backbone=dict(type='VisionTransformer', img_size=8, patch_size=2, in_channels=1,
                         arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                   feedforward_channels=64), out_type='cls_token'),
           neck=None, head=dict(type='VisionTransformerClsHead', num_classes=10,
                                in_channels=32))
PREPROCESSOR = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=10, mean=[78.0],
                    std=[96.0], to_rgb=False)


def vit_tokens(n=3):
    vit = build_classifier(VIT)
    out = {}
    vit.backbone.layers[1].register_forward_hook(lambda m, a, o: out.update(tokens=o))
    vit(torch.randn(n, 1, 8, 8), mode='tensor')
    return out['tokens']


def test_tokens_and_maps_round_trip_on_an_mmpretrain_vit():
    tokens = vit_tokens()
    assert tokens.shape == (3, 17, 32)
    fmap = TokensToMap(in_channels=32)(tokens)
    assert fmap.shape == (3, 32, 4, 4)
    # patch (i, j) of the grid is token 1 + 4 i + j
    torch.testing.assert_close(fmap[:, :, 1, 2], tokens[:, 1 + 4 * 1 + 2])
    torch.testing.assert_close(MapToTokens(in_channels=32)(fmap), tokens[:, 1:])
    shaped = TokensToMap(in_channels=32, out_channels=16, out_size=8)(tokens)
    assert shaped.shape == (3, 16, 8, 8)
    assert MapToTokens(in_channels=16, out_channels=32, out_size=4)(shaped).shape == (3, 16, 32)
    with pytest.raises(ValueError, match='square grid'):
        TokensToMap(in_channels=32, num_prefix_tokens=2)(tokens)


def test_logits_from_maps_tokens_and_vectors():
    assert LogitProjector(32, 10)(vit_tokens()).shape == (3, 10)
    assert LogitProjector(8, 10, hidden_channels=16)(torch.randn(3, 8, 4, 4)).shape == (3, 10)
    assert LogitProjector(8, 10, tokens='first')(torch.randn(3, 5, 8)).shape == (3, 10)


def test_the_inspection_tool_suggests_them_for_token_and_map_pairs():
    cfg = suggest_connector((2, 17, 32), (2, 64, 8, 8))
    assert cfg == dict(type='TokensToMap', in_channels=32, out_channels=64, out_size=(8, 8),
                       num_prefix_tokens=1)
    cfg = suggest_connector((2, 16, 4, 4), (2, 198, 192))
    assert cfg['type'] == 'ConvModuleConnector' and cfg['out_channel'] == 192
    assert 'num_prefix_tokens=2' in cfg['note']


def hint(student_source, teacher_source, connector=None, teacher_connector=None):
    distiller = dict(
        type='ConfigurableDistiller', input_shape=(1, 8, 8),
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=student_source)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=teacher_source)),
        connectors={}, distill_losses=dict(loss_hint=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False))))
    for name, cfg, side in (('proj', connector, 'preds_S'), ('tmap', teacher_connector,
                                                             'preds_T')):
        if cfg is not None:
            distiller['connectors'][name] = cfg
            distiller['loss_forward_mappings']['loss_hint'][side]['connector'] = name
    return distiller


def train(model, steps=15):
    from helpers import digits_batch
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    data = model.data_preprocessor(digits_batch(32), True)
    values = []
    for _ in range(steps):
        losses = model.loss(data['inputs'], data['data_samples'])
        values.append(float(losses['distill.loss_hint']))
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    return values


@pytest.mark.parametrize('direction', ['cnn teacher -> vit student', 'vit teacher -> cnn student'])
def test_feature_distillation_across_architectures_trains(direction):
    if direction.startswith('cnn'):
        cfg = dict(type='mmkd.SingleTeacherDistill', architecture=VIT, teacher=TEACHER,
                   distiller=hint('backbone.layers.1', 'backbone.stages.1', connector=dict(
                       type='TokensToMap', in_channels='auto', out_channels='auto',
                       out_size='auto')))
    else:
        cfg = dict(type='mmkd.SingleTeacherDistill', architecture=STUDENT, teacher=VIT,
                   distiller=hint('backbone.stages.1', 'backbone.layers.1', connector=dict(
                       type='ConvModuleConnector', in_channel='auto', out_channel='auto',
                       norm_cfg=dict(type='BN'), act_cfg=None),
                       teacher_connector=dict(type='TokensToMap', in_channels='auto')))
    # a teacher trained alongside: no checkpoint needed for the mechanics
    cfg.update(teacher_policy='trainable', data_preprocessor=PREPROCESSOR)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    values = train(model)
    assert values[-1] < values[0]


def test_a_deit_student_learns_from_a_cnn_teacher_through_its_distillation_token(tmp_path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from helpers import ROOT, digits_batch
    from step_reference import teacher_checkpoint
    cfg = Config.fromfile(f'{ROOT}/configs/cross_arch/deit-student_convnet-teacher_digits.py')
    cfg.model.teacher_ckpt = teacher_checkpoint(cfg.model.teacher, tmp_path, 'teacher')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmkd'):
        model = MODELS.build(cfg.model)
    head = model.student.head
    data = model.data_preprocessor(digits_batch(32), True)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    first = None
    for _ in range(15):
        losses = model.loss(data['inputs'], data['data_samples'])
        first = first or float(losses['distill.loss_hard'])
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    assert float(losses['distill.loss_hard']) < first
    assert head.layers.head_dist.weight.grad.abs().sum() > 0  # the distillation token trains
    # prediction averages the class-token and distillation-token heads, as DeiT
    model.eval()
    with torch.no_grad():
        feats = model.student.extract_feat(data['inputs'])
        cls_token, dist_token = head.pre_logits(feats)
        expected = (head.layers.head(cls_token) + head.layers.head_dist(dist_token)) / 2
        torch.testing.assert_close(model(data['inputs'], mode='tensor'), expected)
