"""The layer-inspection tool on an mmpretrain ResNet and on a CIFAR-zoo pair."""
import os.path as osp
import textwrap

from mmkd.cli.inspect_model import suggest_connector

from helpers import ROOT, run_tool


def test_mmpretrain_resnet_shows_calls_pre_relu_and_in_place_changes(tmp_path):
    cfg = tmp_path / 'resnet.py'
    cfg.write_text(textwrap.dedent('''
        model = dict(type='mmpretrain.ImageClassifier',
                     backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16,
                                   base_channels=16),
                     neck=dict(type='GlobalAveragePooling'),
                     head=dict(type='LinearClsHead', num_classes=10, in_channels=128))
    '''))
    out = run_tool(['tools/analysis/inspect_model.py', str(cfg)])
    assert out.returncode == 0, out.stderr[-3000:]
    rows = {line.split()[0]: line for line in out.stdout.splitlines()[2:] if line.strip()}
    bn2 = rows['backbone.layer1.0.bn2']
    # BasicBlock: bn2 -> out += identity -> relu(out)
    assert '(2, 16, 32, 32)' in bn2 and 'pre-ReLU' in bn2 and 'changed in place later' in bn2
    assert rows['backbone.layer1.0.relu'].split()[2] == '2'  # one ReLU module, called twice
    assert 'pre-ReLU' in rows['backbone.layer1.0.bn1']
    assert 'changed in place' not in rows['backbone.layer1.0.conv1']
    assert '(2, 10)' in rows['head.fc']


def test_zoo_pair_and_connector_suggestion():
    cfg = osp.join(ROOT, 'configs/kd/kd_resnet32x4_resnet8x4_cifar100.py')
    out = run_tool(['tools/analysis/inspect_model.py', cfg, '--student-tap',
                    'backbone.taps.stage1', '--teacher-tap', 'backbone.taps.stage2'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert '== student' in out.stdout and '== teacher' in out.stdout
    last = out.stdout.strip().splitlines()[-1]
    assert "'stride': 2" in last and "'in_channel': 64" in last and "'out_channel': 128" in last
    out = run_tool(['tools/analysis/inspect_model.py', cfg, '--student-tap',
                    'backbone.taps.stage9', '--teacher-tap', 'backbone.taps.stage2'])
    assert out.returncode == 2 and 'Did you mean' in out.stderr


def test_suggestions_for_each_kind_of_mismatch():
    assert suggest_connector((2, 8, 4, 4), (2, 8, 4, 4)) is None
    assert suggest_connector((2, 8, 4, 4), (2, 16, 4, 4))['kernel_size'] == 1
    assert suggest_connector((2, 8, 4, 4), (2, 16, 8, 8))['conv_cfg'] == dict(type='deconv')
    assert suggest_connector((2, 8, 6, 6), (2, 16, 4, 4))['type'] == 'PoolConnector'
    assert suggest_connector((2, 64), (2, 128)) == dict(type='LinearConnector', in_channels=64,
                                                        out_channels=128)
