"""Reproduce the synthetic study of "Understanding and Improving Knowledge Distillation"
(Tang et al., 2020): which part of the teacher's knowledge helps, as class correlation grows.

    python tools/analysis/kd_decomposition.py [--correlations 0 0.3 0.6 0.9] [--seeds 0 1 2]

For each class correlation rho and seed it draws a synthetic data set with a class hierarchy
(``mmkd.datasets.make_hierarchical_classification``), trains a teacher MLP on plenty of data, then
trains a small student MLP on little data with: cross-entropy alone (CE), label smoothing (LS,
universe knowledge), KD, KD-pt (instance knowledge), KD-sim (domain knowledge), KD-pt+sim and
KD-topk. Students are mmkd algorithms (``SingleTeacherDistill`` with the partial-KD losses) trained
with MMEngine optimizer wrappers. Prints the table (test top-1, mean ± std over seeds) and writes
it as JSON and PNG.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import tempfile
import time
import warnings

import torch
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import mmkd  # noqa: F401
from mmkd.datasets import make_hierarchical_classification
from mmkd.registry import MODELS

warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

METHODS = ('CE', 'LS', 'KD', 'KD-pt', 'KD-sim', 'KD-pt+sim', 'KD-topk')
LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
FC_WEIGHT = dict(fc_weight=dict(type='Parameter', source='head.fc.weight'))
S_LOGITS = dict(recorder='logits', from_student=True)
T_LOGITS = dict(recorder='logits', from_student=False)
T_WEIGHT = dict(recorder='fc_weight', from_student=False)


def classifier(dim, hidden, classes, loss=None):
    return dict(_scope_='mmpretrain', type='ImageClassifier',
                backbone=dict(type='mmkd.MLP', in_channels=dim, hidden_channels=hidden),
                head=dict(type='LinearClsHead', num_classes=classes, in_channels=hidden[-1],
                          loss=loss or dict(type='CrossEntropyLoss')))


def distiller(method, args):
    """The distiller of one KD variant: which records feed which partial-KD loss."""
    kd = dict(tau=args.tau, loss_weight=1 - args.ce_weight)
    spec = {
        'KD': (dict(type='KLDivergence', **kd), LOGITS, dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
        'KD-pt': (dict(type='KDPartialPT', **kd), LOGITS, dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
        'KD-sim': (dict(type='KDPartialSim', sim_tau=args.sim_tau, **kd), FC_WEIGHT,
                   dict(preds_S=S_LOGITS, preds_T=T_WEIGHT)),
        'KD-pt+sim': (dict(type='KDPartialPTSim', sim_tau=args.sim_tau, **kd), dict(**LOGITS, **FC_WEIGHT),
                      dict(preds_S=S_LOGITS, preds_T=T_LOGITS, weight_T=T_WEIGHT)),
        'KD-topk': (dict(type='KDPartialTopK', k=args.topk, **kd), LOGITS,
                    dict(preds_S=S_LOGITS, preds_T=T_LOGITS)),
    }[method]
    return dict(type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=spec[1],
                distill_losses=dict(loss_kd=spec[0]), loss_forward_mappings=dict(loss_kd=spec[2]))


def build(method, args, dim, classes, teacher_ckpt=None):
    student_loss = dict(type='CrossEntropyLoss', loss_weight=1.0)
    if method == 'LS':
        student_loss = dict(type='LabelSmoothLoss', label_smooth_val=args.ls, mode='original')
    elif method != 'CE':
        student_loss['loss_weight'] = args.ce_weight
    student = classifier(dim, args.student_hidden, classes, student_loss)
    if method in ('CE', 'LS'):
        return MODELS.build(student)
    return MODELS.build(dict(type='SingleTeacherDistill', architecture=student,
                             teacher=classifier(dim, args.teacher_hidden, classes),
                             teacher_ckpt=teacher_ckpt, distiller=distiller(method, args)))


def train(model, x, y, args, seed):
    torch.manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = OptimWrapper(torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=5e-4))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim.optimizer, args.epochs)
    samples = [DataSample().set_gt_label(int(c)) for c in y]
    x = torch.from_numpy(x)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(args.epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), args.batch_size):
            idx = order[i:i + args.batch_size]
            model.train_step(dict(inputs=x[idx], data_samples=[samples[j] for j in idx]), optim)
        sched.step()
    return model


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    net = getattr(model, 'student', model)
    pred = net(torch.from_numpy(x), mode='tensor').argmax(1).numpy()
    return float((pred == y).mean() * 100)


def one_setting(rho, seed, args, workdir):
    classes = args.superclasses * args.classes_per_superclass
    draw = dict(num_superclasses=args.superclasses, classes_per_superclass=args.classes_per_superclass,
                dim=args.dim, correlation=rho, noise=args.noise, means_seed=1000 + seed)
    x_t, y_t = make_hierarchical_classification(samples_per_class=args.teacher_per_class, seed=3 * seed + 1, **draw)
    x_s, y_s = make_hierarchical_classification(samples_per_class=args.student_per_class, seed=3 * seed + 2, **draw)
    x_e, y_e = make_hierarchical_classification(samples_per_class=args.test_per_class, seed=3 * seed + 3, **draw)
    teacher = train(MODELS.build(classifier(args.dim, args.teacher_hidden, classes)), x_t, y_t, args, seed)
    ckpt = osp.join(workdir, f'teacher_rho{rho}_seed{seed}.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    result = {'teacher': accuracy(teacher, x_e, y_e)}
    for method in METHODS:
        model = build(method, args, args.dim, classes, ckpt)
        result[method] = accuracy(train(model, x_s, y_s, args, seed), x_e, y_e)
        yield method, result


def plot(table, args, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rhos = args.correlations
    for method in ('teacher', ) + METHODS:
        means = [table[method][str(r)]['mean'] for r in rhos]
        stds = [table[method][str(r)]['std'] for r in rhos]
        style = dict(linestyle='--', color='gray') if method == 'teacher' else {}
        ax.errorbar(rhos, means, yerr=stds, marker='o', capsize=3, label=method, **style)
    ax.set_xlabel('class correlation rho')
    ax.set_ylabel('test top-1 (%)')
    ax.set_title('KD decomposition on synthetic hierarchical classes', fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--correlations', type=float, nargs='+', default=[0.0, 0.3, 0.6, 0.9])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--superclasses', type=int, default=4)
    p.add_argument('--classes-per-superclass', type=int, default=5)
    p.add_argument('--dim', type=int, default=32)
    p.add_argument('--noise', type=float, default=1.5)
    p.add_argument('--teacher-per-class', type=int, default=200)
    p.add_argument('--student-per-class', type=int, default=40)
    p.add_argument('--test-per-class', type=int, default=200)
    p.add_argument('--teacher-hidden', type=int, nargs='+', default=[256, 256])
    p.add_argument('--student-hidden', type=int, nargs='+', default=[64])
    p.add_argument('--epochs', type=int, default=40)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--tau', type=float, default=4.0)
    p.add_argument('--ce-weight', type=float, default=0.1, help='CE weight next to a KD loss')
    p.add_argument('--ls', type=float, default=0.1, help='label smoothing epsilon')
    p.add_argument('--sim-tau', type=float, default=1.0)
    p.add_argument('--topk', type=int, default=3)
    p.add_argument('--work-dir', default='work_dirs/kd_decomposition')
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    console = Console()
    runs = {m: {str(r): [] for r in args.correlations} for m in ('teacher', ) + METHODS}
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp, Progress(console=console) as progress:
        task = progress.add_task('training', total=len(args.correlations) * len(args.seeds) * len(METHODS))
        for rho in args.correlations:
            for seed in args.seeds:
                for method, result in one_setting(rho, seed, args, tmp):
                    progress.update(task, advance=1, description=f'rho {rho} seed {seed} {method}')
                for name, acc in result.items():
                    runs[name][str(rho)].append(acc)
    table = {m: {r: dict(mean=statistics.mean(v), std=statistics.stdev(v) if len(v) > 1 else 0.0,
                         runs=v) for r, v in cols.items()} for m, cols in runs.items()}
    out = Table(title=f'KD decomposition: test top-1, mean ± std over seeds {args.seeds}')
    out.add_column('method')
    for r in args.correlations:
        out.add_column(f'rho={r}', justify='right')
    for m in ('teacher', ) + METHODS:
        out.add_row(m, *[f'{table[m][str(r)]["mean"]:.2f} ± {table[m][str(r)]["std"]:.2f}'
                         for r in args.correlations])
    console.print(out)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(args=vars(args), table=table, seconds=round(time.time() - start, 1)), f, indent=2)
    plot(table, args, osp.join(args.work_dir, 'results.png'))
    console.print(f'wrote {args.work_dir}/results.json and results.png ({time.time() - start:.0f} s)')


if __name__ == '__main__':
    main()
