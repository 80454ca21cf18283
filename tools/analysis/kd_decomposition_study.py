r"""The synthetic KD decomposition study of "Understanding and Improving Knowledge Distillation"
(Tang et al., 2020): data, teachers (the exact posterior, or a trained MLP and its failure
variants), and the training of one student per method.

Students are mmkd algorithms (``SingleTeacherDistill`` with the partial-KD losses of
``mmkd/models/losses/partial_kd.py``) trained with MMEngine optimizer wrappers. One *setting*
(a dict, :data:`DEFAULTS` overridden) and one seed give a data set, a teacher, and a test
accuracy per method; ``tools/analysis/kd_decomposition.py`` sweeps settings.

KD-sim's temperature. KD-sim's target :math:`q = \mathrm{softmax}(\cos(w_y, W) / \tau_{sim})`
is a fixed distribution per class that the student's :math:`\mathrm{softmax}(z_s / \tau)` is
matched to; :math:`\tau_{sim}` alone sets how much mass it leaves on the label. With
:math:`\tau_{sim} = 1` and cosines in [-1, 1], 20 classes keep about 12% on the label, so KD-sim
was mostly label smoothing at ε ≈ 0.9, whatever the teacher knew. ``sim_tau='auto'`` (the
default) calibrates :math:`\tau_{sim}` per teacher so that the target's mass on the label equals,
on average over the student's training set, that of the teacher's softened distribution
:math:`p_t^\tau(y)` (what KD and KD-pt put there): KD-pt and KD-sim then differ only in what
they keep, the instance's confidence or the class relations.
"""
import copy
import hashlib
import math
import os
import os.path as osp
from typing import Dict, Iterable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

import mmkd.models  # noqa: F401  (registers the losses and algorithms)
from mmkd.datasets.hierarchical_synthetic import HierarchicalGaussians
from mmkd.registry import MODELS
from oracle_teacher import GaussianOracle

METHODS = ('CE', 'LS', 'KD', 'KD-pt', 'KD-sim', 'KD-pt+sim', 'KD-topk')
TEACHERS = ('oracle', 'mlp', 'mlp-ls')
DEFAULTS = dict(
    superclasses=4, classes_per_superclass=5, dim=32, correlation=0.6, noise=1.5,
    noise_spread=0.0, label_noise=0.0, teacher='oracle', teacher_confidence=1.0,
    teacher_per_class=200, student_per_class=20, test_per_class=200,
    teacher_hidden=(256, 256), student_hidden=(32, ), epochs=40, batch_size=64, lr=0.05,
    tau=4.0, ce_weight=0.1, ls=0.1, teacher_ls=0.3, sim_tau='auto', topk=3)

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
FC_WEIGHT = dict(fc_weight=dict(type='Parameter', source='head.fc.weight'))
S_LOGITS = dict(recorder='logits', from_student=True)
T_LOGITS = dict(recorder='logits', from_student=False)
T_WEIGHT = dict(recorder='fc_weight', from_student=False)


def make_setting(**overrides) -> dict:
    """:data:`DEFAULTS` with ``overrides``; unknown keys and teachers are errors."""
    unknown = [k for k in overrides if k not in DEFAULTS]
    if unknown:
        raise ValueError(f'unknown setting(s) {unknown}; valid: {list(DEFAULTS)}')
    setting = dict(DEFAULTS, **overrides)
    if setting['teacher'] not in TEACHERS:
        raise ValueError(f'teacher={setting["teacher"]!r}; choose one of {list(TEACHERS)}')
    return setting


def classifier(dim, hidden, classes, loss=None) -> dict:
    return dict(_scope_='mmpretrain', type='ImageClassifier',
                backbone=dict(type='mmkd.MLP', in_channels=dim, hidden_channels=list(hidden)),
                head=dict(type='LinearClsHead', num_classes=classes, in_channels=hidden[-1],
                          loss=loss or dict(type='CrossEntropyLoss')))


def distiller(method: str, s: dict, sim_tau: float) -> dict:
    """The distiller of one KD variant: which records feed which partial-KD loss."""
    kd = dict(tau=s['tau'], loss_weight=1 - s['ce_weight'])
    loss, recorders, mapping = {
        'KD': (dict(type='KLDivergence', **kd), LOGITS, dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
        'KD-pt': (dict(type='KDPartialPT', **kd), LOGITS, dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
        'KD-sim': (dict(type='KDPartialSim', sim_tau=sim_tau, **kd), FC_WEIGHT,
                   dict(preds_S=S_LOGITS, preds_T=T_WEIGHT)),
        'KD-pt+sim': (dict(type='KDPartialPTSim', sim_tau=sim_tau, **kd),
                      dict(**LOGITS, **FC_WEIGHT),
                      dict(preds_S=S_LOGITS, preds_T=T_LOGITS, weight_T=T_WEIGHT)),
        'KD-topk': (dict(type='KDPartialTopK', k=s['topk'], **kd), LOGITS,
                    dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
    }[method]
    return dict(type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=recorders,
                distill_losses=dict(loss_kd=loss), loss_forward_mappings=dict(loss_kd=mapping))


def build_student(method: str, s: dict, teacher: Optional[torch.nn.Module] = None,
                  teacher_ckpt: Optional[str] = None, sim_tau: float = 1.0):
    """The model trained for ``method``: a plain classifier (CE, LS) or a KD algorithm."""
    classes = s['superclasses'] * s['classes_per_superclass']
    student_loss = dict(type='CrossEntropyLoss', loss_weight=1.0)
    if method == 'LS':
        student_loss = dict(type='LabelSmoothLoss', label_smooth_val=s['ls'], mode='original')
    elif method != 'CE':
        student_loss['loss_weight'] = s['ce_weight']
    # Built here, from the generator the caller seeded, and handed to the algorithm as a
    # module: every method starts from the same student, drawn as it always was.
    student = MODELS.build(classifier(s['dim'], s['student_hidden'], classes, student_loss))
    if method in ('CE', 'LS'):
        return student
    return MODELS.build(dict(type='SingleTeacherDistill', architecture=student, teacher=teacher,
                             teacher_ckpt=teacher_ckpt, distiller=distiller(method, s, sim_tau)))


def train(model, x: np.ndarray, y: np.ndarray, s: dict, seed: int):
    """SGD with momentum and a cosine schedule, ``s['epochs']`` passes in a seeded order."""
    torch.manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = OptimWrapper(torch.optim.SGD(params, lr=s['lr'], momentum=0.9, weight_decay=5e-4))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim.optimizer, s['epochs'])
    samples = [DataSample().set_gt_label(int(c)) for c in y]
    x = torch.from_numpy(x)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(s['epochs']):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), s['batch_size']):
            idx = order[i:i + s['batch_size']]
            model.train_step(dict(inputs=x[idx], data_samples=[samples[j] for j in idx]), optim)
        sched.step()
    return model


@torch.no_grad()
def logits_of(model, x: np.ndarray) -> torch.Tensor:
    model.eval()
    net = getattr(model, 'student', model)
    return net(torch.from_numpy(x), mode='tensor')


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    return float((logits_of(model, x).argmax(1).numpy() == y).mean() * 100)


def make_teacher(s: dict, data: HierarchicalGaussians, seed: int) -> torch.nn.Module:
    """The teacher of a setting: the exact posterior (``'oracle'``), or an MLP trained on
    ``teacher_per_class`` clean samples a class with cross-entropy (``'mlp'``) or with label
    smoothing ``teacher_ls`` (``'mlp-ls'``); its logits multiplied by ``teacher_confidence``."""
    c = s['teacher_confidence']
    if s['teacher'] == 'oracle':
        return GaussianOracle(data, confidence=c).eval()
    x, _, y = data.sample(s['teacher_per_class'], seed=3 * seed + 1)
    torch.manual_seed(seed)  # its initialisation, whatever ran before in this process
    loss = dict(type='LabelSmoothLoss', label_smooth_val=s['teacher_ls'], mode='original') \
        if s['teacher'] == 'mlp-ls' else None
    teacher = MODELS.build(classifier(s['dim'], s['teacher_hidden'], data.num_classes, loss))
    teacher = train(teacher, x, y, s, seed)
    with torch.no_grad():  # the last layer scaled: logits x c, the templates' cosines unchanged
        teacher.head.fc.weight.mul_(c)
        teacher.head.fc.bias.mul_(c)
    return teacher.eval()


def calibrate_sim_tau(weight: torch.Tensor, labels: np.ndarray, target: float) -> float:
    """The τ_sim at which KD-sim's target keeps ``target`` of its mass on the label, on
    average over ``labels`` (bisection in log τ_sim; the mass falls monotonically with it)."""
    w = F.normalize(weight.detach().double(), dim=1)
    cos = w @ w.t()
    y = torch.as_tensor(labels)

    def mass(tau):
        return float(F.softmax(cos[y] / tau, dim=1).gather(1, y[:, None]).mean())

    lo, hi = math.log(1e-4), math.log(1e4)
    if not mass(math.exp(hi)) < target < mass(math.exp(lo)):
        return math.exp(lo if target >= mass(math.exp(lo)) else hi)
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mass(math.exp(mid)) > target else (lo, mid)
    return math.exp((lo + hi) / 2)


def relation_agreement(weight: torch.Tensor, truth: np.ndarray) -> float:
    """Pearson correlation between the off-diagonal cosines of a teacher's class templates and
    the true class relations: 1 when its logit layer holds them, ~0 when it lost them."""
    w = F.normalize(weight.detach().double(), dim=1)
    cos = (w @ w.t()).numpy()
    off = ~np.eye(len(cos), dtype=bool)
    return float(np.corrcoef(cos[off], truth[off])[0, 1])


def run_setting(setting: dict, seed: int, methods: Iterable[str] = METHODS,
                workdir: str = '.') -> Dict[str, float]:
    """Test top-1 (against the true classes) of every method for one setting and seed, with
    the teacher's and the Bayes classifier's, and diagnostics of the teacher."""
    s = make_setting(**setting)
    data = HierarchicalGaussians(s['superclasses'], s['classes_per_superclass'], s['dim'],
                                 s['correlation'], s['noise'], s['noise_spread'],
                                 means_seed=1000 + seed)
    x_s, y_s, _ = data.sample(s['student_per_class'], seed=3 * seed + 2,
                              label_noise=s['label_noise'])
    x_e, _, y_e = data.sample(s['test_per_class'], seed=3 * seed + 3)
    teacher = make_teacher(s, data, seed)
    # per process: parallel workers may run the same setting of two sweeps at once
    ckpt = osp.join(workdir, f'teacher_{setting_key(s)}_seed{seed}_pid{os.getpid()}.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    z_t = logits_of(teacher, x_s)
    pt_mass = float(F.softmax(z_t / s['tau'], 1).gather(1, torch.as_tensor(y_s)[:, None]).mean())
    weight = teacher.head.fc.weight
    sim_tau = calibrate_sim_tau(weight, y_s, pt_mass) if s['sim_tau'] == 'auto' \
        else float(s['sim_tau'])
    result = dict(
        teacher=accuracy(teacher, x_e, y_e),
        bayes=float((data.log_posterior(x_e).argmax(1) == y_e).mean() * 100),
        teacher_label_mass=pt_mass, sim_tau=sim_tau,
        teacher_relations=relation_agreement(weight, data.class_similarity()),
        teacher_max_prob=float(F.softmax(logits_of(teacher, x_e), 1).max(1).values.mean()))
    for method in methods:
        torch.manual_seed(seed)  # every method starts from the same student initialisation
        model = build_student(method, s, copy.deepcopy(teacher), ckpt, sim_tau)
        result[method] = accuracy(train(model, x_s, y_s, s, seed), x_e, y_e)
    return result


def setting_key(s: dict) -> str:
    """A short stable name for a setting, for file names."""
    return hashlib.md5(repr(sorted(s.items())).encode()).hexdigest()[:12]
