"""WKD's class costs from the teacher's features: the CKA as the reference's, and the tool."""
import sys

import torch

from helpers import ROOT
from mmkd.models.losses import WKDLogitLoss
from mmkd.models.losses.wasserstein_kd import linear_cka


def reference_linear_cka_precenter(X, Y):
    X = X - X.mean(0, keepdim=True)
    Y = Y - Y.mean(0, keepdim=True)
    YTX = torch.mm(Y.transpose(0, 1), X)
    hsic = torch.norm(YTX, p='fro') ** 2
    var1 = torch.norm(torch.mm(X.transpose(0, 1), X), p='fro')
    var2 = torch.norm(torch.mm(Y.transpose(0, 1), Y), p='fro')
    return hsic / (var1 * var2)


def test_linear_cka_is_the_references():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 6, generator=g).double(), torch.randn(40, 6, generator=g).double()
    torch.testing.assert_close(linear_cka(x, y), reference_linear_cka_precenter(x, y))
    torch.testing.assert_close(linear_cka(x, x), torch.tensor(1.0, dtype=torch.double))


def test_the_tool_writes_costs_that_wkd_l_reads(tmp_path):
    sys.path.insert(0, f'{ROOT}/tools/analysis')
    import wkd_cost_matrix
    from step_reference import teacher_checkpoint
    from mmengine.config import Config
    config = f'{ROOT}/configs/wkd/wkd-l_convnet-teacher_convnet-student_digits.py'
    ckpt = teacher_checkpoint(Config.fromfile(config).model.teacher, tmp_path, 'teacher')
    out = tmp_path / 'cost.pth'
    wkd_cost_matrix.main([config, '--out', str(out), '--max-per-class', '20',
                          '--cfg-options', f'model.teacher_ckpt={ckpt}'])
    cost = torch.load(out, weights_only=True)
    assert cost.shape == (10, 10)
    torch.testing.assert_close(cost, cost.t())
    assert cost.diagonal().abs().max() < 1e-5 and 0 <= cost.min() and cost.max() <= 1
    loss = WKDLogitLoss(num_classes=10, cost=str(out))
    torch.testing.assert_close(loss.cost, 1 - torch.exp(-cost))
    logits = torch.randn(4, 10)
    assert torch.isfinite(loss(logits, logits.flip(0), torch.tensor([0, 1, 2, 3])))
