"""BYOT self-distillation: the exit's losses, the deepest records detached, the feature loss
by hand, validation of the exit, and an export without the exits."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmkd.models.losses import activated_l2
from mmkd.registry import MODELS
from mmkd.utils import KDConfigError, load_checkpoint_file

from helpers import PREPROCESSOR, ROOT, digits_batch, run_tool, train_and_validate

BYOT = osp.join(ROOT, 'configs/byot/byot_convnet_digits.py')


def byot_cfg():
    cfg = Config.fromfile(BYOT).model.to_dict()
    cfg['data_preprocessor'] = copy.deepcopy(PREPROCESSOR)
    return cfg


def test_activated_l2_by_hand():
    rng = np.random.default_rng(0)
    s, t = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    mask = (s > 0) | (t > 0)
    expected = ((s - t) ** 2 * mask).sum()
    assert activated_l2(torch.tensor(s), torch.tensor(t)).item() == pytest.approx(expected)
    assert activated_l2(torch.tensor(s), torch.tensor(t), 'batchmean').item() == \
        pytest.approx(expected / 3)


def test_exit_losses_train_the_exit_and_leave_the_deepest_classifier_alone():
    torch.manual_seed(0)
    model = MODELS.build(byot_cfg())
    model.train()
    data = model.data_preprocessor(digits_batch(16), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_ce_exit1', 'distill.loss_kd_exit1',
                           'distill.loss_feat_exit1'}
    # the KD and feature terms teach the exit; the deepest classifier is their detached target
    (losses['distill.loss_kd_exit1'] + losses['distill.loss_feat_exit1']).backward()
    head = model.student.head.fc
    assert head.weight.grad is None or not head.weight.grad.any()
    exit_branch = model.distiller.connectors.exit1
    assert exit_branch.fc.weight.grad.abs().sum() > 0
    # the exit's CE equals cross-entropy of its logits, by hand
    with torch.no_grad():
        stage1 = model.student.backbone.stages[0](data['inputs'])
        logits = exit_branch(stage1)
        labels = torch.cat([d.gt_label for d in data['data_samples']])
        ce = torch.nn.functional.cross_entropy(logits, labels)
    assert losses['distill.loss_ce_exit1'].item() == pytest.approx(0.9 * ce.item(), rel=1e-5)


def test_exit_errors():
    cfg = byot_cfg()
    cfg['exits'] = dict(exit2='stage1')
    with pytest.raises(KDConfigError, match=r"model\.exits\.exit2: no connector 'exit2'"):
        MODELS.build(cfg)
    cfg = byot_cfg()
    cfg['exits'] = dict(exit1='stage9')
    with pytest.raises(KDConfigError, match=r"model\.exits\.exit1='stage9'.*Did you mean"):
        MODELS.build(cfg)


def test_runner_reports_the_exit_and_exports_the_network_without_it(tmp_path):
    runner, metrics, _ = train_and_validate(tmp_path, byot_cfg(), ['exit1'])
    # the exit's accuracy is its own classifier's, computed here by hand
    model = runner.model
    correct = total = 0
    with torch.no_grad():
        for batch in runner.val_dataloader:
            data = model.data_preprocessor(batch, training=False)
            stage1 = model.student.backbone.stages[0](data['inputs'])
            pred = model.distiller.connectors.exit1(stage1).argmax(1)
            labels = torch.cat([d.gt_label for d in data['data_samples']])
            correct += (pred == labels).sum().item()
            total += len(labels)
    assert metrics['exit1/accuracy/top1'] == pytest.approx(100 * correct / total)
    out = run_tool(['tools/model_converters/extract_student.py',
                    str(tmp_path / 'work' / 'epoch_2.pth'), str(tmp_path / 'net.pth')])
    assert out.returncode == 0, out.stderr[-3000:]
    exported = load_checkpoint_file(str(tmp_path / 'net.pth'))['state_dict']
    assert set(exported) == set(model.student.state_dict())
