"""Write ``feature_loss_reference.json``: feature-loss values computed by the reference code.

    python tests/data/make_feature_loss_reference.py REPDISTILLER MDISTILLER MMRAZOR

(paths of checkouts). Each reference loss file is executed on its own, with its registry import
stubbed where it has one, on fixed tensors (``reference_features``): RepDistiller's AT, NST,
AB, FT and VID, mdistiller's OFD ``feat_loss`` and margin rule, MMRazor's
ChannelWiseDivergence and PKDLoss. The tests compare mmkd's losses, built by registry name,
with the stored values.

It also writes ``feature_module_reference.json.gz``: the reference modules with trainable parts,
run with their own weights (stored beside the outputs, so mmkd's modules load the same ones):
RepDistiller's ``Paraphraser``, ``Translator`` and ``ConvReg`` (FitNets' regressor), and
mdistiller's ``ReviewKD`` (its ABF fusion and ``hcl_loss``, through the class's own
``forward_train`` with stub networks that return fixed features).
"""
import gzip
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


def state(module):
    return {k: v.tolist() for k, v in module.state_dict().items()}


def reviewkd_case(mdis, seed, s_channels, t_channels, s_sizes, t_sizes, weight=5.0):
    """mdistiller's ReviewKD.forward_train on fixed stage features; student features after
    the ReLU, teacher features before it, plus both pooled features, as its CIFAR setting."""
    base = types.ModuleType('mdistiller_base')

    class Distiller(torch.nn.Module):
        def __init__(self, student, teacher):
            super().__init__()
            self.student, self.teacher = student, teacher

    base.Distiller = Distiller
    src = open(osp.join(mdis, 'mdistiller/distillers/ReviewKD.py'), encoding='utf-8').read()
    ns = {'__name__': 'reviewkd_ref'}
    src = src.replace('from ._base import Distiller', 'from mdistiller_base import Distiller')
    sys.modules['mdistiller_base'] = base
    exec(compile(src, 'ReviewKD.py', 'exec'), ns)
    gen = torch.Generator().manual_seed(seed)

    def feats(channels, sizes, shift):
        maps = [torch.randn(2, c, s, s, generator=gen) + shift for c, s in zip(channels, sizes)]
        return maps, maps[-1].mean(dim=(2, 3))

    s_maps, s_pool = feats(s_channels, s_sizes, 0.0)
    s_maps = [m.relu() for m in s_maps]
    t_maps, t_pool = feats(t_channels, t_sizes, 0.3)

    class Stub(torch.nn.Module):
        def __init__(self, maps, pooled):
            super().__init__()
            self.out = (torch.zeros(2, 10), dict(feats=[maps[0]] + maps,
                                                 preact_feats=[maps[0]] + maps,
                                                 pooled_feat=pooled))

        def forward(self, image):
            return self.out

    N = types.SimpleNamespace
    cfg = N(REVIEWKD=N(SHAPES=[1] + s_sizes[::-1], OUT_SHAPES=[1] + t_sizes[::-1],
                       IN_CHANNELS=s_channels + s_channels[-1:],
                       OUT_CHANNELS=t_channels + t_channels[-1:], CE_WEIGHT=1.0,
                       REVIEWKD_WEIGHT=weight, WARMUP_EPOCHS=20, STU_PREACT=False,
                       MAX_MID_CHANNEL=512))
    torch.manual_seed(seed)
    ref = ns['ReviewKD'](Stub(s_maps, s_pool), Stub(t_maps, t_pool), cfg)
    ref.train()
    _, losses = ref.forward_train(torch.zeros(2, 3, 32, 32), torch.zeros(2, dtype=torch.long),
                                  epoch=40)
    # ref.abfs runs deepest first; store the levels shallow to deep
    levels = [state(m) for m in list(ref.abfs)[::-1]]
    return dict(seed=seed, s_channels=s_channels, t_channels=t_channels, s_sizes=s_sizes,
                t_sizes=t_sizes, weight=weight, levels=levels,
                student=[m.tolist() for m in s_maps] + [s_pool.tolist()],
                teacher=[m.tolist() for m in t_maps] + [t_pool.tolist()],
                loss=float(losses['loss_kd']))


def module_cases(rep, mdis):
    util = load(osp.join(rep, 'models/util.py'))
    ft = load(osp.join(rep, 'distiller_zoo/FT.py')).FactorTransfer()
    gen = torch.Generator().manual_seed(7)
    f_s = torch.randn(4, 6, 4, 4, generator=gen)
    f_t = torch.randn(4, 8, 4, 4, generator=gen)
    torch.manual_seed(0)
    para = util.Paraphraser(f_t.shape)
    trans = util.Translator(f_s.shape, f_t.shape)
    para.eval(), trans.eval()
    factor_t, rec = para(f_t)
    factor_s = trans(f_s)
    out = dict(features=dict(student=f_s.tolist(), teacher=f_t.tolist()),
               paraphraser=state(para), translator=state(trans),
               reconstruction_mse=float(torch.nn.functional.mse_loss(rec, f_t)),
               ft_loss=float(ft(factor_s, factor_t)), conv_reg=[])
    for s_size, t_size in ((8, 4), (4, 8), (6, 4), (4, 4)):
        x = torch.randn(2, 6, s_size, s_size, generator=gen)
        reg = util.ConvReg(x.shape, (2, 8, t_size, t_size))
        reg.eval()
        out['conv_reg'].append(dict(in_size=s_size, out_size=t_size, input=x.tolist(),
                                    weights=state(reg), output=reg(x).tolist()))
    out['reviewkd'] = [
        reviewkd_case(mdis, 0, [4, 8, 16], [6, 12, 24], [8, 4, 2], [8, 4, 2]),
        reviewkd_case(mdis, 1, [4, 8, 12], [6, 8, 16], [4, 2, 1], [8, 4, 2], weight=1.0)]
    with gzip.open(osp.join(HERE, 'feature_module_reference.json.gz'), 'wt') as f:
        json.dump(dict(source='RepDistiller models/util.py (Paraphraser, Translator, ConvReg) and '
                              'distiller_zoo/FT.py; mdistiller distillers/ReviewKD.py', **out), f)


if __name__ == '__main__':
    main()
    module_cases(sys.argv[1], sys.argv[2])
