"""The exported student config: flat, mmpretrain-scoped, and buildable by mmpretrain."""
import os.path as osp

import pytest
import torch

from mmkd.cli.extract_student import student_config

from helpers import ROOT


def types(obj):
    if isinstance(obj, dict):
        return ([obj['type']] if 'type' in obj else []) + [t for v in obj.values() for t in types(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in types(v)]
    return []


@pytest.mark.parametrize('config, backbone, dataset', [
    ('kd/kd_convnet-teacher_convnet-student_digits.py', 'mmkd.SimpleConvNet', 'mmkd.DigitsDataset'),
    ('kd/kd_resnet32x4_resnet8x4_cifar100.py', 'mmkd.CifarResNet', 'CIFAR100'),
    ('multi_teacher/multi_teacher_kd_convnets_digits.py', 'mmkd.SimpleConvNet',
     'mmkd.DigitsDataset'),
])
def test_exported_config_is_a_plain_mmpretrain_config(config, backbone, dataset):
    path = osp.join(ROOT, 'configs', config)
    if not osp.isfile(path):
        pytest.skip(f'{config} is not in this checkout')
    cfg = student_config(path)
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.model.type == 'ImageClassifier' and cfg.model.backbone.type == backbone
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.model.data_preprocessor.type == 'ClsDataPreprocessor'
    every = types(cfg.to_dict())
    assert not any(t.startswith('mmpretrain.') for t in every), every
    assert '_scope_' not in cfg.pretty_text and 'cfg_path' not in cfg.pretty_text
    assert 'train_dataloader' not in cfg and 'optim_wrapper' not in cfg
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'  # MMEngine's, no mmkd needed
    from mmpretrain.apis import init_model
    model = init_model(cfg, device='cpu')
    channels = len(cfg.model.data_preprocessor.mean)
    side = 8 if 'digits' in config else 32
    out = model(torch.zeros(2, channels, side, side), mode='tensor')
    assert out.shape[0] == 2
