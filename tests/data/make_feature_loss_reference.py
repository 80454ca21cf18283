"""Write ``feature_loss_reference.json``: feature-loss values computed by the reference code.

    python tests/data/make_feature_loss_reference.py REPDISTILLER MDISTILLER MMRAZOR

(paths of checkouts). Each reference loss file is executed on its own, with its registry import
stubbed where it has one, on fixed tensors (``reference_features``): RepDistiller's AT, NST,
AB, FT and VID, mdistiller's OFD ``feat_loss`` and margin rule, MMRazor's
ChannelWiseDivergence and PKDLoss. The tests compare mmkd's losses, built by registry name,
with the stored values.
"""
import json
import math
import os.path as osp
import sys
import types

import torch

HERE = osp.dirname(osp.abspath(__file__))


def reference_features(seed, shape_s=(4, 8, 8, 8), shape_t=(4, 16, 4, 4)):
    gen = torch.Generator().manual_seed(seed)
    f_s = torch.randn(*shape_s, generator=gen)
    f_t = torch.randn(*shape_t, generator=gen) * 2 + 0.3
    return f_s, f_t


def load(path, **stubs):
    """Execute one reference file as a module, with ``stubs`` (name -> module) importable."""
    for name, module in stubs.items():
        sys.modules[name] = module
    module = types.ModuleType(osp.basename(path)[:-3])
    with open(path, encoding='utf-8') as f:
        exec(compile(f.read(), path, 'exec'), module.__dict__)
    return module


def registry_stub():
    registry = types.ModuleType('mmrazor.registry')
    registry.MODELS = types.SimpleNamespace(register_module=lambda *a, **k: (lambda c: c))
    return {'mmrazor': types.ModuleType('mmrazor'), 'mmrazor.registry': registry}


def main():
    rep, mdis, razor = sys.argv[1:4]
    zoo = osp.join(rep, 'distiller_zoo')
    at = load(osp.join(zoo, 'AT.py')).Attention(p=2)
    nst = load(osp.join(zoo, 'NST.py')).NSTLoss()
    ft = load(osp.join(zoo, 'FT.py')).FactorTransfer()
    ab = load(osp.join(zoo, 'AB.py')).ABLoss(feat_num=1)
    vid_cls = load(osp.join(zoo, 'VID.py')).VIDLoss
    # mdistiller's OFD.py imports its package's base class; only feat_loss is needed.
    ofd_src = open(osp.join(mdis, 'mdistiller/distillers/OFD.py'), encoding='utf-8').read()
    ofd_ns = {'torch': torch}
    exec(ofd_src[ofd_src.index('def feat_loss'):ofd_src.index('class ConnectorConvBN')], ofd_ns)
    cwd = load(osp.join(razor, 'mmrazor/models/losses/cwd.py'), **registry_stub())
    pkd = load(osp.join(razor, 'mmrazor/models/losses/pkd_loss.py'), **registry_stub())
    from scipy.stats import norm  # the margin rule of mdistiller's OFD.init_ofd_modules

    cases = []
    for seed in (0, 1, 2):
        f_s, f_t = reference_features(seed)
        same_s, same_t = reference_features(seed, (4, 16, 4, 4), (4, 16, 4, 4))
        case = dict(seed=seed)
        case['ATLoss'] = float(at([f_s], [f_t])[0])
        case['NSTLoss'] = float(nst([f_s], [f_t])[0])
        case['FTLoss_repdistiller'] = float(ft(f_s, f_t))
        # RepDistiller's ABLoss with one layer: weight 2**0, then / batch * 3 / 1000.
        case['ABLoss'] = float(ab([same_s], [same_t])[0]) * 1000 / 3
        torch.manual_seed(seed)
        vid = vid_cls(8, 12, 16)
        case['VID_regressor'] = {k: v.tolist() for k, v in vid.regressor.state_dict().items()}
        case['VIDLoss'] = float(vid(f_s, f_t))
        gen = torch.Generator().manual_seed(100 + seed)
        gamma = torch.randn(16, generator=gen)
        beta = torch.randn(16, generator=gen) * 2
        beta[0] = 10 * abs(float(gamma[0]))  # a channel where the 1e-3 rule applies
        margins = []
        for s, m in zip(gamma.tolist(), beta.tolist()):
            s = abs(s)
            if norm.cdf(-m / s) > 0.001:
                margins.append(-s * math.exp(-(m / s)**2 / 2) / math.sqrt(2 * math.pi)
                               / norm.cdf(-m / s) + m)
            else:
                margins.append(-3 * s)
        case['ofd_gamma'], case['ofd_beta'], case['ofd_margin'] = \
            gamma.tolist(), beta.tolist(), margins
        margin = torch.tensor(margins).view(1, -1, 1, 1)
        case['OFDLoss'] = float(ofd_ns['feat_loss'](same_s, same_t, margin))
        case['ChannelWiseDivergence_tau4'] = float(cwd.ChannelWiseDivergence(tau=4.0)(same_s,
                                                                                     same_t))
        case['PKDLoss'] = float(pkd.PKDLoss()(same_s, same_t))
        cases.append(case)
    with open(osp.join(HERE, 'feature_loss_reference.json'), 'w') as f:
        json.dump(dict(source='RepDistiller distiller_zoo (AT, NST, FT, AB, VID), mdistiller OFD, '
                              'MMRazor cwd.py / pkd_loss.py', cases=cases), f, indent=1)


if __name__ == '__main__':
    main()
