"""Quantization-aware distillation: where the fake-quant layers are, what they compute, that a
quantized student learns under KD, and that resume restores the quantizer's state."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner

from helpers import STUDENT, TEACHER, build_kd, digits_batch, digits_kd_config
from mmkd.models.quantizers import BrevitasQuantizer, dequantized_copy, quantized_layers
from mmkd.registry import MODELS
from mmkd.utils import load_checkpoint_file
from mmkd.utils.config_errors import KDConfigError
from test_engine.test_resume import interrupt_and_resume

CONVS = ['backbone.stages.0.0.conv', 'backbone.stages.1.0.conv']


def quantized(model_cfg=STUDENT, **quantizer):
    return MODELS.build(dict(type='QuantizedModel', model=copy.deepcopy(model_cfg),
                             quantizer=dict(type='BrevitasQuantizer', **quantizer)))


def test_fake_quant_layers_are_where_the_config_says_and_nowhere_else():
    model = quantized(weight_bits=4, float_layers=['head.fc'])
    assert quantized_layers(model) == CONVS
    assert type(model.head.fc) is nn.Linear
    assert type(model).__name__ == 'ImageClassifier'  # the classifier keeps its class and names
    whole = quantized(weight_bits=4, float_layers=['backbone.stages.1'])
    assert quantized_layers(whole) == [CONVS[0], 'head.fc']
    weights_only = quantized(act_bits=None)
    assert all(weights_only.get_submodule(n).input_quant.is_quant_enabled is False
               for n in quantized_layers(weights_only))


@pytest.mark.parametrize('bits,granularity', [(8, 'per_channel'), (4, 'per_channel'),
                                              (2, 'per_channel'), (4, 'per_tensor')])
def test_the_weights_are_rounded_as_the_docstring_says(bits, granularity):
    model = quantized(weight_bits=bits, weight_granularity=granularity)
    conv = model.get_submodule(CONVS[1])
    w = conv.weight.detach()
    levels = 2**(bits - 1) - 1
    amax = w.abs().amax(dim=(1, 2, 3), keepdim=True) if granularity == 'per_channel' \
        else w.abs().max()
    s = amax / levels
    expected = s * torch.clamp(torch.round(w / s), -levels, levels)
    torch.testing.assert_close(conv.quant_weight().value.detach(), expected)
    per_channel = expected.flatten(1)
    assert max(len(torch.unique(row)) for row in per_channel) <= 2 * levels + 1


def test_the_activations_are_rounded_to_the_bits_asked_for():
    model = quantized(act_bits=4, act_stats_steps=1).eval()
    quant = model.get_submodule(CONVS[1]).input_quant
    x = torch.randn(2, 8, 8, 8)
    assert len(torch.unique(quant(x).value if hasattr(quant(x), 'value') else quant(x))) <= 16


@pytest.mark.parametrize('quantizer,match', [
    (dict(weight_bits=1), 'quantizer.weight_bits must be an int from 2 to 8'),
    (dict(act_bits=16), 'quantizer.act_bits must be an int from 2 to 8 or None'),
    (dict(weight_granularity='per_row'), 'quantizer.weight_granularity must be one of'),
    (dict(float_layers='head.fc'), 'quantizer.float_layers must be a list'),
    (dict(float_layers=['head.fx']), "'head.fx' is not a module.*Did you mean 'head.fc'"),
    (dict(float_layers=['neck']), "'neck' holds no convolution"),
    (dict(float_layers=['backbone', 'head']), 'no convolution or linear layer left'),
    (dict(act_stats_steps=0), 'quantizer.act_stats_steps must be a positive int'),
])
def test_bad_quantizer_settings_name_the_key(quantizer, match):
    with pytest.raises(KDConfigError, match=match):
        quantized(**quantizer)


def test_a_quantizer_without_a_type_is_refused():
    with pytest.raises(KDConfigError, match='QuantizedModel.quantizer must be a config dict'):
        MODELS.build(dict(type='QuantizedModel', model=copy.deepcopy(STUDENT),
                          quantizer=dict(weight_bits=4)))


def test_the_dequantized_copy_is_plain_and_holds_the_quantized_weights():
    model = quantized(weight_bits=4, act_bits=None).eval()
    plain = dequantized_copy(model)
    assert quantized_layers(plain) == [] and type(plain.get_submodule(CONVS[0])) is nn.Conv2d
    for name in quantized_layers(model):
        torch.testing.assert_close(plain.get_submodule(name).weight,
                                   model.get_submodule(name).quant_weight().value.detach())
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():  # weights-only quantization: the same function in float layers
        torch.testing.assert_close(plain(x, mode='tensor'), model(x, mode='tensor'))
    assert quantized_layers(model) == CONVS + ['head.fc']  # the original is untouched


def test_a_quantized_student_distils_and_its_loss_falls(teacher_ckpt):
    torch.manual_seed(0)
    model = build_kd(teacher_ckpt, architecture=dict(
        type='mmkd.QuantizedModel', model=copy.deepcopy(STUDENT),
        quantizer=dict(type='BrevitasQuantizer', weight_bits=4, act_stats_steps=3)))
    assert quantized_layers(model.architecture) == CONVS + ['head.fc']
    assert quantized_layers(model.teacher.model if hasattr(model.teacher, 'model') else
                            model.teacher) == []  # the teacher stays float
    optimizer = torch.optim.SGD(model.architecture.parameters(), lr=0.05, momentum=0.9)
    batch = model.data_preprocessor(digits_batch(32), True)
    losses = []
    for _ in range(25):
        loss = sum(v for k, v in model(**batch, mode='loss').items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0] and losses[-1] == min(losses), losses


def qat_config(work_dir, teacher_ckpt):
    cfg = digits_kd_config(work_dir, teacher_ckpt, epochs=3)
    # 4 steps an epoch: the activation scales still collect statistics at the interruption
    cfg.model.architecture = dict(
        type='mmkd.QuantizedModel', model=cfg.model.architecture,
        quantizer=dict(type='BrevitasQuantizer', weight_bits=4, act_stats_steps=6))
    return cfg


def test_resume_restores_the_quantizer_state_to_the_uninterrupted_weights(tmp_path,
                                                                          teacher_ckpt):
    Runner.from_cfg(qat_config(tmp_path / 'full', teacher_ckpt)).train()
    full = load_checkpoint_file(osp.join(tmp_path / 'full', 'epoch_3.pth'))['state_dict']
    interrupt_and_resume(lambda work_dir: qat_config(work_dir, teacher_ckpt), tmp_path / 'cut',
                         at=1)
    cut = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_1.pth'))['state_dict']
    # per scale: counter, statistics, raw value (one each for per-tensor activations)
    counters = lambda state: state.view(-1, 3)[:, 0].long().tolist()  # noqa: E731
    state = cut['architecture.quantizer_state._extra_state']
    assert counters(state) == [4, 4, 4]  # mid-collection (6 steps) when it stopped
    got = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_3.pth'))['state_dict']
    assert counters(full['architecture.quantizer_state._extra_state']) == [7, 7, 7]
    for k, v in full.items():
        torch.testing.assert_close(got[k], v, rtol=0, atol=0, msg=k)


def test_the_student_can_be_the_teacher_quantized(teacher_ckpt):
    model = MODELS.build(dict(
        type='QuantizedModel', quantizer=dict(type='BrevitasQuantizer', weight_bits=2),
        model=dict(copy.deepcopy(TEACHER),
                   init_cfg=dict(type='Pretrained', checkpoint=teacher_ckpt))))
    model.init_weights()  # what the runner does when training starts
    teacher = load_checkpoint_file(teacher_ckpt)['state_dict']
    for name in quantized_layers(model):
        torch.testing.assert_close(model.get_submodule(name).weight, teacher[name + '.weight'])
    ternary = model.get_submodule('backbone.stages.1.0.conv').quant_weight().value
    assert all(len(torch.unique(row)) <= 3 for row in ternary.flatten(1))


def test_quantizer_state_of_other_layers_is_refused(tmp_path):
    saved = quantized(float_layers=['head.fc']).state_dict()
    with pytest.raises(KDConfigError, match='other quantized layers'):
        quantized().load_state_dict(saved, strict=False)


def test_the_quantizer_is_registered_for_configs():
    assert isinstance(MODELS.build(dict(type='BrevitasQuantizer')), BrevitasQuantizer)


def test_loading_keeps_the_parameters_an_optimizer_holds():
    # MMEngine builds the optimizer before it resumes; Brevitas alone would rebuild its scales
    model, saved = quantized(), quantized()
    saved.train()
    saved(torch.randn(4, 1, 8, 8), mode='tensor')
    params = [id(p) for p in model.parameters()]
    model.load_state_dict(saved.state_dict())  # strict, also for scales not yet trained
    assert [id(p) for p in model.parameters()] == params
    fresh = quantized()
    fresh.load_state_dict(quantized().state_dict())  # a model that never trained


def test_a_stock_mmpretrain_classifier_quantizes_by_its_config():
    from mmkd.cli.common import load_config
    cfg = load_config('mmpretrain::resnet/resnet18_8xb16_cifar10.py')
    model = quantized(cfg.model.to_dict(), weight_bits=4, float_layers=['backbone.conv1'])
    names = quantized_layers(model)
    assert len(names) == 20 and 'backbone.conv1' not in names and 'head.fc' in names
    assert 'backbone.layer1.0.conv1' in names  # mmpretrain's own module names, unchanged
    model.train()
    assert model(torch.randn(2, 3, 32, 32), mode='tensor').shape == (2, 10)
