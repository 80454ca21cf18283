"""Write ``relation_loss_reference.json``: relation-loss values computed by the reference code.

    python tests/data/make_relation_loss_reference.py REPDISTILLER MMRAZOR

(paths of checkouts). RepDistiller's ``RKDLoss`` (distance and angle terms separately, by
setting the other weight to 0), ``FSP``, ``Similarity``, ``Correlation`` and ``PKT``, and
MMRazor's ``DistanceWiseRKD``/``AngleWiseRKD`` (with L2 normalisation), each executed from
its own file on fixed tensors (``relation_features``). The tests compare mmkd's losses, built
by registry name, with the stored values.
"""
import json
import os.path as osp
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)
from make_feature_loss_reference import load, registry_stub  # noqa: E402


def relation_features(seed):
    """Pooled embeddings of different sizes, and two maps per side for FSP."""
    gen = torch.Generator().manual_seed(seed)
    emb_s = torch.randn(6, 16, generator=gen)
    emb_t = torch.randn(6, 24, generator=gen) * 1.5 + 0.2
    maps_s = [torch.randn(4, 8, 8, 8, generator=gen), torch.randn(4, 16, 4, 4, generator=gen)]
    maps_t = [torch.randn(4, 8, 8, 8, generator=gen) * 2,
              torch.randn(4, 16, 4, 4, generator=gen) + 0.5]
    sp_s = torch.randn(4, 8, 4, 4, generator=gen)
    sp_t = torch.randn(4, 12, 2, 2, generator=gen)
    return emb_s, emb_t, maps_s, maps_t, sp_s, sp_t


def main():
    rep, razor = sys.argv[1:3]
    zoo = osp.join(rep, 'distiller_zoo')
    rkd = load(osp.join(zoo, 'RKD.py'))
    fsp_cls = load(osp.join(zoo, 'FSP.py')).FSP
    sim = load(osp.join(zoo, 'SP.py')).Similarity()
    corr = load(osp.join(zoo, 'CC.py')).Correlation()
    pkt = load(osp.join(zoo, 'PKT.py')).PKT()
    razor_rkd = load(osp.join(razor, 'mmrazor/models/losses/relational_kd.py'), **registry_stub())
    cases = []
    for seed in (0, 1, 2):
        emb_s, emb_t, maps_s, maps_t, sp_s, sp_t = relation_features(seed)
        same_t = emb_t[:, :16]
        fsp = fsp_cls([m.shape for m in maps_s], [m.shape for m in maps_t])
        cases.append(dict(
            seed=seed,
            rkd_distance=float(rkd.RKDLoss(w_d=1, w_a=0)(emb_s, emb_t)),
            rkd_angle=float(rkd.RKDLoss(w_d=0, w_a=1)(emb_s, emb_t)),
            mmrazor_distance=float(razor_rkd.DistanceWiseRKD(loss_weight=1.0)(emb_s, emb_t)),
            mmrazor_angle=float(razor_rkd.AngleWiseRKD(loss_weight=1.0)(emb_s, emb_t)),
            fsp=float(sum(fsp(maps_s, maps_t))),
            sp=float(sim([sp_s], [sp_t])[0]),
            cc_repdistiller=float(corr(emb_s, same_t)),
            pkt=float(pkt(emb_s, emb_t))))
    crd = crd_cases(rep)
    with open(osp.join(HERE, 'relation_loss_reference.json'), 'w') as f:
        json.dump(dict(source='RepDistiller distiller_zoo (RKD, FSP, SP, CC, PKT) and crd/; '
                              'MMRazor relational_kd.py', cases=cases, crd=crd), f, indent=1)


def crd_cases(rep):
    """RepDistiller's CRDLoss (crd/criterion.py, crd/memory.py) on two consecutive batches
    with given negatives: its embedding weights and memories before, the losses, and the
    memories after (the first batch also sets the normalising constants)."""
    import importlib
    import types
    sys.path.insert(0, rep)
    cuda = torch.Tensor.cuda
    torch.Tensor.cuda = lambda self, *a, **k: self  # its sampler moves itself to the GPU
    try:
        criterion = importlib.import_module('crd.criterion')
        torch.manual_seed(0)
        opt = types.SimpleNamespace(s_dim=6, t_dim=7, feat_dim=8, nce_k=5, nce_t=0.07,
                                    nce_m=0.5, n_data=20)
        ref = criterion.CRDLoss(opt)
    finally:
        torch.Tensor.cuda = cuda
    gen = torch.Generator().manual_seed(5)
    out = dict(state={k: v.tolist() for k, v in ref.state_dict().items()}, steps=[])
    for step in range(2):
        f_s = torch.randn(4, 6, generator=gen)
        f_t = torch.randn(4, 7, generator=gen)
        idx = torch.randperm(20, generator=gen)[:4]
        contrast = torch.randint(0, 20, (4, 6), generator=gen)
        contrast[:, 0] = idx
        loss = ref(f_s, f_t, idx, contrast)
        out['steps'].append(dict(f_s=f_s.tolist(), f_t=f_t.tolist(), idx=idx.tolist(),
                                 contrast=contrast.tolist(), loss=float(loss),
                                 memory_v1=ref.contrast.memory_v1.tolist(),
                                 memory_v2=ref.contrast.memory_v2.tolist(),
                                 z=ref.contrast.params[2:4].tolist()))
    return out


if __name__ == '__main__':
    main()
