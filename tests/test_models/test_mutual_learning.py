"""Deep mutual learning: both peers train, each learns from the other's detached prediction,
validation reports every peer, and any peer exports as a plain mmpretrain checkpoint."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mmkd.registry import MODELS
from mmkd.utils import KDConfigError, load_checkpoint_file

from helpers import PREPROCESSOR, ROOT, STUDENT, digits_batch, run_tool, train_and_validate

DML = osp.join(ROOT, 'configs/dml/dml_convnet-peers_digits.py')


def dml_model_cfg():
    cfg = Config.fromfile(DML).model.to_dict()
    cfg.update(architecture=copy.deepcopy(STUDENT), data_preprocessor=copy.deepcopy(PREPROCESSOR))
    cfg['peers'] = dict(peer2=dict(model=copy.deepcopy(STUDENT)))
    return cfg


def test_both_peers_train_and_distil_only_into_themselves():
    torch.manual_seed(0)
    model = MODELS.build(dml_model_cfg())
    data = model.data_preprocessor(digits_batch(16), training=True)
    model.train()
    losses = model(**data, mode='loss')
    assert set(losses) == {'student.loss', 'peer2.loss', 'distill.loss_kl_student',
                           'distill.loss_kl_peer2'}
    # the student's KL term sends gradients to the student only (the peer is detached)
    losses['distill.loss_kl_student'].backward()
    assert all(p.grad is None or not p.grad.any() for p in model.peers.peer2.parameters())
    assert any(p.grad is not None and p.grad.any() for p in model.student.parameters())
    model.zero_grad()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    for _ in range(3):
        model.train_step(digits_batch(16), optim)
    after = model.state_dict()
    for prefix in ('architecture.', 'peers.peer2.'):
        assert any(not torch.equal(after[k], before[k]) for k in after if k.startswith(prefix))


def test_peer_errors():
    cfg = dml_model_cfg()
    cfg['peers'] = dict(student=dict(model=copy.deepcopy(STUDENT)))
    with pytest.raises(KDConfigError, match="'student' is the architecture's name"):
        MODELS.build(cfg)
    cfg = dml_model_cfg()
    cfg['peers'] = dict(peer2=dict(model=copy.deepcopy(STUDENT), ckpts='x.pth'))
    with pytest.raises(KDConfigError, match=r"peers\.peer2: unknown key 'ckpts'.*'ckpt'"):
        MODELS.build(cfg)
    cfg = dml_model_cfg()
    cfg['peers'] = dict(peer3=dict(model=copy.deepcopy(STUDENT)))
    with pytest.raises(KDConfigError, match="no teacher 'peer2' among the algorithm's models"):
        MODELS.build(cfg)


def test_runner_validates_every_peer_and_exports_either(tmp_path):
    runner, metrics, config = train_and_validate(tmp_path, dml_model_cfg(), ['peer2'])
    ckpt = tmp_path / 'work' / 'epoch_2.pth'
    out = run_tool(['tools/model_converters/extract_student.py', str(ckpt),
                    str(tmp_path / 'peer2.pth'), '--model', 'peer2', '--config', str(config),
                    '--out-config', str(tmp_path / 'peer2_cfg.py')])
    assert out.returncode == 0, out.stderr[-3000:]
    exported = load_checkpoint_file(str(tmp_path / 'peer2.pth'))['state_dict']
    trained = runner.model.peers.peer2.state_dict()
    assert set(exported) == set(trained)
    for k in trained:
        assert torch.equal(exported[k], trained[k]), k
    assert Config.fromfile(str(tmp_path / 'peer2_cfg.py')).model.type == 'ImageClassifier'
    bad = run_tool(['tools/model_converters/extract_student.py', str(ckpt),
                    str(tmp_path / 'x.pth'), '--model', 'peer9', '--config', str(config),
                    '--out-config', str(tmp_path / 'x.py')])
    assert bad.returncode == 2 and "choose one of ['student', 'peer2']" in bad.stderr
