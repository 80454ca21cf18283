"""The CIFAR zoo against the reference definitions (RepDistiller/mdistiller) and the converter."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmkd.models.backbones.cifar import CIFAR_ZOO, cifar_classifier
from mmkd.models.utils import build_model
from mmkd.utils import load_checkpoint_file

from cifar_reference import feature_summary, load_fixture, random_reference_state, reference_input
from helpers import ROOT

# Parameter counts of the reference networks with 100 classes (those the KD papers quote:
# resnet8x4 1.23M, resnet32x4 7.43M, wrn_40_2 2.25M, vgg13 9.46M, ResNet50 23.71M, ...).
REFERENCE_PARAMS = {
    'resnet8': 83892, 'resnet14': 181108, 'resnet20': 278324, 'resnet32': 472756,
    'resnet44': 667188, 'resnet56': 861620, 'resnet110': 1736564, 'resnet8x4': 1233540,
    'resnet32x4': 7433860, 'wrn_16_1': 180916, 'wrn_16_2': 703284, 'wrn_40_1': 569780,
    'wrn_40_2': 2255156, 'vgg8': 3965028, 'vgg11': 9277284, 'vgg13': 9462180,
    'vgg16': 14774436, 'vgg19': 20086692, 'MobileNetV2': 812836, 'ShuffleV1': 949258,
    'ShuffleV2': 1355528, 'ResNet50': 23705252,
}
# Spatial size of every stage tap on a 32x32 input.
STAGE_SIZES = {'resnet': (32, 16, 8), 'wrn': (32, 16, 8), 'vgg': (16, 8, 4, 4),
               'MobileNetV2': (16, 8, 4, 2), 'ShuffleV1': (16, 8, 4), 'ShuffleV2': (16, 8, 4),
               'ResNet50': (32, 16, 8, 4)}

_spec = importlib.util.spec_from_file_location(
    'mdistiller_to_mmkd', osp.join(ROOT, 'tools/model_converters/mdistiller_to_mmkd.py'))
converter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(converter)


@pytest.fixture(scope='module')
def fixture():
    return load_fixture()


def test_zoo_lists_every_benchmark_network(fixture):
    assert set(CIFAR_ZOO) == set(REFERENCE_PARAMS) == set(fixture)


@pytest.mark.parametrize('name', REFERENCE_PARAMS)
def test_base_config_matches_reference_parameter_count_and_shapes(name, fixture):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/cifar', name.lower() + '.py'))
    model = build_model(cfg.model, 'model').eval()
    assert sum(p.numel() for p in model.parameters()) == REFERENCE_PARAMS[name]
    assert fixture[name]['params'] == REFERENCE_PARAMS[name]
    seen = {}
    for tap, module in model.backbone.taps.items():
        module.register_forward_hook(lambda m, i, o, tap=tap: seen.__setitem__(tap, o.shape))
    with torch.no_grad():
        logits = model(torch.randn(2, 3, 32, 32), mode='tensor')
    assert logits.shape == (2, 100)
    assert {k: v[1] for k, v in seen.items()} == model.backbone.tap_channels
    family = next(k for k in STAGE_SIZES if name.startswith(k))
    sizes = [seen[f'stage{i}'][-1] for i in range(1, len(STAGE_SIZES[family]) + 1)]
    assert tuple(sizes) == STAGE_SIZES[family]
    assert all(seen[f'stage{i}_pre'] == seen[f'stage{i}'] for i in range(1, len(sizes) + 1))


@pytest.mark.parametrize('name', REFERENCE_PARAMS)
def test_converted_reference_checkpoint_gives_reference_logits_and_features(
        name, fixture, tmp_path):
    ref = fixture[name]
    state = random_reference_state(ref['layout'])
    # RepDistiller's teacher checkpoint layout
    src = tmp_path / 'ckpt_epoch_240.pth'
    torch.save({'epoch': 240, 'model': state, 'best_acc': torch.tensor(77.5),
                'optimizer': {'state': {}, 'param_groups': [{'lr': 0.0005}]}}, src)
    out = converter.convert(str(src), str(tmp_path / 'mmkd.pth'))
    assert out['meta']['arch'] == name and out['meta']['best_acc'] == 77.5
    model = build_model(cifar_classifier(name), 'model').eval()
    model.load_state_dict(load_checkpoint_file(str(tmp_path / 'mmkd.pth'))['state_dict'])
    seen = {}
    for tap, module in model.backbone.taps.items():
        module.register_forward_hook(lambda m, i, o, tap=tap: seen.__setitem__(tap, o))
    with torch.no_grad():
        logits = model(reference_input(), mode='tensor')
    expected = torch.tensor(ref['logits'])
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4 * expected.abs().max().item())
    taps = ['stem'] + [f'stage{i}' for i in range(1, len(ref['feats']))]
    pre = ['stem'] + [f'stage{i}_pre' for i in range(1, len(ref['preact_feats']))]
    for names, summaries in ((taps, ref['feats']), (pre, ref['preact_feats'])):
        for tap, (total, abs_total) in zip(names, summaries):
            got = feature_summary(seen[tap])
            assert got[1] == pytest.approx(abs_total, rel=1e-4), tap
            assert got[0] == pytest.approx(total, rel=1e-3, abs=1e-4 * abs_total), tap


def test_mdistiller_trainer_checkpoint_parts_and_arch_checks(fixture, tmp_path):
    student = random_reference_state(fixture['resnet8x4']['layout'], seed=1)
    teacher = random_reference_state(fixture['resnet32x4']['layout'], seed=2)
    distiller = {f'module.student.{k}': v for k, v in student.items()}
    distiller.update({f'module.teacher.{k}': v for k, v in teacher.items()})
    src = tmp_path / 'latest'
    torch.save({'epoch': 3, 'model': distiller, 'best_acc': 12.0}, src)
    out = converter.convert(str(src), str(tmp_path / 's.pth'), arch='resnet8x4')
    assert torch.equal(out['state_dict']['head.fc.weight'], student['fc.weight'])
    out = converter.convert(str(src), str(tmp_path / 't.pth'), part='teacher')
    assert out['meta']['arch'] == 'resnet32x4'
    with pytest.raises(SystemExit, match='does not fit resnet8:.*shape mismatch'):
        converter.convert(str(src), str(tmp_path / 'x.pth'), arch='resnet8')
    with pytest.raises(SystemExit, match='not a zoo network'):
        converter.convert(str(src), str(tmp_path / 'x.pth'), arch='resnet9')
    torch.save({'model': {'conv.weight': torch.zeros(1)}}, tmp_path / 'bad.pth')
    with pytest.raises(SystemExit, match='cannot find the classifier'):
        converter.convert(str(tmp_path / 'bad.pth'), str(tmp_path / 'x.pth'))


def test_converter_command_line_checks_against_a_config(fixture, tmp_path):
    from helpers import run_tool
    src = tmp_path / 'teacher.pth'
    torch.save({'model': random_reference_state(fixture['wrn_40_2']['layout'])}, src)
    ok = run_tool(['tools/model_converters/mdistiller_to_mmkd.py', str(src),
                   str(tmp_path / 'out.pth'), '--config', 'configs/_base_/models/cifar/wrn_40_2.py'])
    assert ok.returncode == 0 and 'out.pth' in ok.stdout, ok.stderr
    result = run_tool(['tools/model_converters/mdistiller_to_mmkd.py', str(src),
                       str(tmp_path / 'out2.pth'), '--config',
                       'configs/_base_/models/cifar/wrn_16_2.py'])
    assert result.returncode != 0 and 'does not fit' in result.stderr


@pytest.mark.parametrize('kwargs, match', [
    (dict(type='CifarResNet', depth=9), 'depth must be 6n'),
    (dict(type='CifarResNet', depth=20, block='wide'), 'block must be one of'),
    (dict(type='CifarWRN', depth=15), 'depth must be 6n'),
    (dict(type='CifarVGG', depth=10), 'depth must be one of'),
    (dict(type='CifarShuffleNetV2', net_size=3), 'net_size must be one of'),
    (dict(type='CifarImageNetResNet', depth=20), 'depth must be one of'),
])
def test_bad_arguments_name_the_valid_ones(kwargs, match):
    from mmkd.registry import MODELS
    with pytest.raises(ValueError, match=match):
        MODELS.build(kwargs)
