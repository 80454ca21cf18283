"""mmpretrain's CIFAR-100 loader with configs/_base_/datasets/cifar100.py, on a tiny folder."""
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import ROOT


def write_tiny_cifar100(root, n_train=64, n_test=32):
    folder = root / 'cifar-100-python'
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in (('train', n_train), ('test', n_test)):
        entry = dict(data=rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                     fine_labels=rng.integers(0, 100, n).tolist())
        with open(folder / name, 'wb') as f:
            pickle.dump(entry, f)


@pytest.fixture
def tiny_cifar(tmp_path, monkeypatch):
    from mmpretrain.datasets import CIFAR100
    write_tiny_cifar100(tmp_path / 'cifar100')
    # The real files are checked against their published MD5s; these tiny ones are not.
    monkeypatch.setattr(CIFAR100, 'train_list', [['train', None]])
    monkeypatch.setattr(CIFAR100, 'test_list', [['test', None]])
    return str(tmp_path / 'cifar100')


def test_kd_trains_on_cifar_format_data(tmp_path, tiny_cifar):
    import torch
    from mmkd.registry import MODELS
    from helpers import LOGITS_KD

    def classifier(width):
        return dict(_scope_='mmpretrain', type='ImageClassifier',
                    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=width,
                                  base_channels=width),
                    neck=dict(type='GlobalAveragePooling'),
                    head=dict(type='LinearClsHead', num_classes=100, in_channels=8 * width,
                              loss=dict(type='CrossEntropyLoss', loss_weight=0.1)))

    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': MODELS.build(classifier(8)).state_dict()}, teacher_ckpt)
    base = osp.join(ROOT, 'configs/_base_')
    cfg = Config.fromfile(osp.join(base, 'datasets/cifar100.py'))
    cfg.merge_from_dict(Config.fromfile(osp.join(base, 'default_runtime.py')).to_dict())
    cfg.merge_from_dict(Config.fromfile(osp.join(base, 'schedules/cifar100_240e.py')).to_dict())
    cfg.model = dict(type='SingleTeacherDistill', architecture=classifier(4), teacher=classifier(8),
                     teacher_ckpt=teacher_ckpt, distiller=LOGITS_KD)
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[split].dataset.data_root = tiny_cifar
        cfg[split].num_workers = 0
    cfg.train_dataloader.batch_size = 16
    cfg.train_cfg.max_epochs = 1
    cfg.work_dir = str(tmp_path / 'work')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    assert len(runner.train_dataloader.dataset) == 64
    runner.train()
    metrics = runner.val_loop.run()
    assert 0.0 <= metrics['accuracy/top1'] <= 100.0 and 'accuracy/top5' in metrics
