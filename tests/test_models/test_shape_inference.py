"""Connector and loss arguments written 'auto': read from one probe pass at build."""

import pytest
import torch

from helpers import build_kd, kd_model_cfg
from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError

STAGE2 = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'))
POOLED = dict(feat=dict(type='ModuleInputs', source='head.fc'))


def hint_distiller(in_channel=16, out_channel=32, recorders=STAGE2, **extra):
    return dict(
        type='ConfigurableDistiller', student_recorders=recorders, teacher_recorders=recorders,
        connectors=dict(hint=dict(type='ConvModuleConnector', in_channel=in_channel,
                                  out_channel=out_channel, kernel_size=1,
                                  norm_cfg=dict(type='BN'), act_cfg=None)),
        distill_losses=dict(loss_hint=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_hint=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='hint'),
            preds_T=dict(recorder='feat', from_student=False))), **extra)


def state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_auto_widths_build_the_explicit_connector_with_its_weights(teacher_ckpt):
    torch.manual_seed(0)
    explicit = build_kd(teacher_ckpt, hint_distiller())
    torch.manual_seed(0)
    auto = build_kd(teacher_ckpt, hint_distiller('auto', 'auto', input_shape=(1, 8, 8)))
    hint = auto.distiller.connectors['hint']
    assert hint.conv_module.conv.in_channels == 16 and hint.conv_module.conv.out_channels == 32
    a, b = state(explicit), state(auto)
    assert list(a) == list(b)
    for k in a:  # same seeded initial weights; the probe left the BN statistics alone
        assert torch.equal(a[k], b[k]), k
    assert auto.training and auto.student.training  # modes restored after the probe
    # and it trains: its losses equal the explicit config's on a batch
    x = torch.randn(4, 1, 8, 8)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    la, lb = explicit.loss(x, samples), auto.loss(x, samples)
    assert {k: float(v) for k, v in la.items()} == {k: float(v) for k, v in lb.items()}
    # and one SGD step later their weights are still equal
    for model, losses in ((explicit, la), (auto, lb)):
        optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        sum(losses.values()).backward()
        optimizer.step()
    a, b = state(explicit), state(auto)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_loss_widths_are_read_after_the_connectors(teacher_ckpt):
    distiller = dict(
        type='ConfigurableDistiller', input_shape=(1, 8, 8), student_recorders=POOLED,
        teacher_recorders=POOLED,
        connectors=dict(proj=dict(type='LinearConnector', in_channels='auto', out_channels=24)),
        distill_losses=dict(loss_vid=dict(type='VIDLoss', in_channels='auto',
                                          mid_channels='auto', out_channels='auto')),
        loss_forward_mappings=dict(loss_vid=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='proj'),
            preds_T=dict(recorder='feat', from_student=False))))
    model = build_kd(teacher_ckpt, distiller)
    # the student's pooled feature has 16 channels
    assert model.distiller.connectors['proj'].proj.weight.shape == (24, 16)
    vid = model.distiller.distill_losses['loss_vid']
    convs = [m for m in vid.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].in_channels == 24 and convs[-1].out_channels == 32


def test_a_teacher_that_is_not_built_is_probed_through_its_architecture():
    # student_only (test, export): no teacher checkpoint, the connectors still get their shapes
    model = MODELS.build(kd_model_cfg(None, hint_distiller('auto', 'auto', input_shape=(1, 8, 8)),
                                      student_only=True))
    assert model.distiller.connectors["hint"].conv_module.conv.out_channels == 32
    assert getattr(model, 'teacher', None) is None


def test_user_models_outside_the_zoo_work(teacher_ckpt):
    # a stock mmpretrain backbone on both sides, 3-channel 32x32 inputs
    def resnet(depth, num_classes=10):
        return dict(_scope_='mmpretrain', type='ImageClassifier',
                    backbone=dict(type='ResNet_CIFAR', depth=depth, out_indices=(2, 3)),
                    neck=dict(type='GlobalAveragePooling'),
                    head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=512))
    recorders = dict(feat=dict(type='ModuleOutputs', source='backbone.layer3'))
    cfg = dict(type='mmkd.SingleTeacherDistill', architecture=resnet(18), teacher=resnet(34),
               teacher_policy='trainable', distiller=hint_distiller(
                   'auto', 'auto', recorders=recorders, input_shape=(3, 32, 32)))
    model = MODELS.build(cfg)
    assert model.distiller.connectors["hint"].conv_module.conv.in_channels == 256


@pytest.mark.parametrize('change, message', [
    (dict(input_shape=None), 'model.distiller.input_shape'),
    (dict(input_shape=(1, 8)), None),  # a shape the models cannot run on: their own error
    (dict(input_shape='8x8'), 'input_shape must be the shape'),
])
def test_input_shape_errors(teacher_ckpt, change, message):
    distiller = hint_distiller('auto', 'auto', **change)
    with pytest.raises(Exception) as e:
        build_kd(teacher_ckpt, distiller)
    if message:
        assert isinstance(e.value, KDConfigError) and message in str(e.value)


def test_an_argument_that_cannot_be_read_is_named(teacher_ckpt):
    distiller = hint_distiller('auto', 'auto', input_shape=(1, 8, 8))
    distiller['connectors']['hint']['kernel_size'] = 'auto'
    with pytest.raises(KDConfigError, match=r"connectors.hint.kernel_size='auto'.*in_channel"):
        build_kd(teacher_ckpt, distiller)


def test_a_target_width_without_a_target_is_refused(teacher_ckpt):
    # the connector's output is compared with the student's own feature: no record of the
    # other model to take the width from
    distiller = dict(
        type='ConfigurableDistiller', input_shape=(1, 8, 8), student_recorders=POOLED,
        connectors=dict(proj=dict(type='LinearConnector', in_channels='auto',
                                  out_channels='auto')),
        distill_losses=dict(loss_l2=dict(type='L2Loss')),
        loss_forward_mappings=dict(loss_l2=dict(
            preds_S=dict(recorder='feat', from_student=True, connector='proj'),
            preds_T=dict(recorder='feat', from_student=True))))
    with pytest.raises(KDConfigError, match=r'proj.out_channels.*target'):
        build_kd(teacher_ckpt, distiller)


def test_a_backbone_without_a_norm_table_is_refused_with_a_hint(teacher_ckpt):
    distiller = hint_distiller('auto', 'auto', input_shape=(1, 8, 8))
    distiller['connectors']['margin'] = dict(type='OFDTeacherConnector', bn='auto',
                                             channels='auto')
    distiller['loss_forward_mappings']['loss_hint']['preds_T']['connector'] = 'margin'
    with pytest.raises(KDConfigError, match=r"margin.bn: the BatchNorm before the ReLU.*give the module path explicitly"):
        build_kd(teacher_ckpt, distiller)


def test_the_zoo_names_the_batchnorm_before_each_relu():
    from mmkd.models.backbones.cifar import CifarResNet, CifarVGG, CifarWRN
    resnet, wrn, vgg = CifarResNet(20), CifarWRN(16, 2), CifarVGG(8)
    assert resnet.pre_relu_norm('taps.stage2_pre') == 'layer2.2.bn2'
    assert wrn.pre_relu_norm('taps.stage1_pre') == 'block2.layer.0.bn1'
    assert wrn.pre_relu_norm('taps.stage3_pre') == 'bn1'
    assert vgg.pre_relu_norm('taps.stage4_pre') == 'block4.1'
    for backbone, path in ((resnet, 'layer2.2.bn2'), (wrn, 'block2.layer.0.bn1'),
                           (vgg, 'block4.1')):
        assert isinstance(backbone.get_submodule(path), torch.nn.BatchNorm2d)
    with pytest.raises(KDConfigError, match='stage3_pre'):
        resnet.pre_relu_norm('taps.stage2')


def test_every_zoo_pair_config_resolves_the_widths_it_used_to_spell_out():
    """The CIFAR pair configs hold no widths: checked against the values they wrote before."""
    from mmengine.config import Config
    from helpers import ROOT
    cfg = Config.fromfile(f'{ROOT}/configs/ofd/ofd_resnet32x4_shufflev1_cifar100.py')
    cfg.model.student_only = True
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmkd'):
        model = MODELS.build(cfg.model)
    connectors = model.distiller.connectors
    assert [(c.conv_module.conv.in_channels, c.conv_module.conv.out_channels) for c in
            (connectors['proj1'], connectors['proj2'], connectors['proj3'])] == \
        [(240, 64), (480, 128), (960, 256)]
    assert [(connectors[f'margin{i}'].bn, connectors[f'margin{i}'].output_size)
            for i in (1, 2, 3)] == [('backbone.layer1.4.bn2', 16), ('backbone.layer2.4.bn2', 8),
                                    ('backbone.layer3.4.bn2', 4)]
