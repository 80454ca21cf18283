"""Write ``loss_reference.json``: loss values computed by the reference implementations.

    python tests/data/make_loss_reference.py /path/to/mdistiller

Uses mdistiller's own ``kd_loss`` and ``dkd_loss`` on fixed tensors (``reference_logits``), so
the tests check mmkd's ``KLDivergence`` and ``DKDLoss`` against the reference code, not only
against formulas re-derived from the papers.
"""
import json
import os.path as osp
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))


def reference_logits(seed, batch=16, classes=100):
    gen = torch.Generator().manual_seed(seed)
    student = torch.randn(batch, classes, generator=gen) * 3
    teacher = torch.randn(batch, classes, generator=gen) * 5
    target = torch.randint(0, classes, (batch, ), generator=gen)
    return student, teacher, target


def main():
    sys.path.insert(0, sys.argv[1])
    from mdistiller.distillers.DKD import dkd_loss
    from mdistiller.distillers.KD import kd_loss
    cases = []
    for seed, tau, alpha, beta in ((0, 4.0, 1.0, 8.0), (1, 1.0, 1.0, 2.0), (2, 2.0, 0.5, 6.0)):
        s, t, y = reference_logits(seed)
        cases.append(dict(seed=seed, tau=tau, alpha=alpha, beta=beta,
                          kd=float(kd_loss(s, t, tau)),
                          dkd=float(dkd_loss(s, t, y, alpha, beta, tau))))
    with open(osp.join(HERE, 'loss_reference.json'), 'w') as f:
        json.dump(dict(source='mdistiller kd_loss / dkd_loss', cases=cases), f, indent=1)


if __name__ == '__main__':
    main()
