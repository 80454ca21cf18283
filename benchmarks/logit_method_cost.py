"""The cost per training step of the modern logit methods against plain KD, as ratios in one run.

    python benchmarks/logit_method_cost.py [--steps 10] [--warmup 2] [--threads 2] [--batch 64]
        [--out benchmarks/logit_method_cost.json]

One process builds one ResNet-34 -> ResNet-18 (CIFAR variants, 100 classes) algorithm per
variant, all sharing the same teacher checkpoint, and times full ``train_step`` calls (batch
normalisation, teacher forward, student forward and backward, optimizer step) round-robin,
step by step, so that the machine's noise falls on every variant alike; the table gives each
variant's median step time divided by plain KD's. Whole steps of ~2 s vary by a few percent on
this machine, more than these losses cost, so the loss itself is also timed alone (forward and
backward on the step's logits, 200 repetitions): its extra time over KD's loss, as a fraction
of KD's whole step, is the precise figure. Variants: KD with logit standardisation,
KD with CTKD's learnable temperature, DKD and DKD with standardisation, MLKD, NKD, and KD
trained with DOT's optimizer (two backward passes).
"""
import argparse
import copy
import json
import os
import statistics
import tempfile
import time

import torch

from kd_step_speed import MEAN, STD, classifier, make_batch
from mmkd.models.distillers.loss_mappings import forward_params

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
MAPPING = dict(preds_S=dict(recorder='logits', from_student=True),
               preds_T=dict(recorder='logits', from_student=False))
KD = dict(type='KLDivergence', tau=4.0, loss_weight=0.9)
VARIANTS = {
    'kd': KD,
    'kd + logit_stand': dict(KD, tau=2.0, logit_stand=True),
    'ctkd (kd)': dict(KD, tau=dict(type='CurriculumTemperature')),
    'dkd': dict(type='DKDLoss'),
    'dkd + logit_stand': dict(type='DKDLoss', tau=2.0, logit_stand=True),
    'mlkd': dict(type='MLKDLoss', loss_weight=0.9),
    'nkd': dict(type='NKDLoss', tau=3.0, gamma=3.5),
    'kd with dot': KD,
}


def build(name, loss, teacher_ckpt):
    from mmengine.optim import OptimWrapper

    from mmkd.engine.optimizers import DOTOptimWrapper, DOTSGD
    from mmkd.registry import MODELS
    algo = MODELS.build(dict(
        type='SingleTeacherDistill', architecture=classifier(18, ce_weight=0.1),
        teacher=classifier(34), teacher_ckpt=teacher_ckpt,
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=100,
                               mean=MEAN.flatten().tolist(), std=STD.flatten().tolist()),
        distiller=dict(type='ConfigurableDistiller', student_recorders=LOGITS,
                       teacher_recorders=LOGITS, distill_losses=dict(loss_x=copy.deepcopy(loss)),
                       loss_forward_mappings=dict(loss_x=MAPPING))))
    algo.train()
    for module in algo.modules():  # CTKD's curriculum, as its hook sets it in epoch 5
        if type(module).__name__ == 'CurriculumTemperature':
            module.grl_lambda = -0.5
    params = [p for p in algo.parameters() if p.requires_grad]
    sgd = dict(lr=0.05, momentum=0.9, weight_decay=5e-4)
    if name.endswith('with dot'):
        return algo, DOTOptimWrapper(DOTSGD(params, delta=0.075, **sgd))
    return algo, OptimWrapper(torch.optim.SGD(params, **sgd))


def loss_time(algo, data, reps=200) -> float:
    """Seconds per forward + backward of the algorithm's distillation loss alone, on the
    logits of one step (recorded once)."""
    batch = algo.data_preprocessor(data, True)
    with torch.no_grad():
        z_t = algo.teacher(batch['inputs'], mode='tensor')
        z_s = algo.student(batch['inputs'], mode='tensor')
    loss_fn = algo.distiller.distill_losses['loss_x']
    labels = torch.stack([s.gt_label for s in batch['data_samples']]).view(-1)
    wants_labels = 'gt_labels' in forward_params(loss_fn)
    times = []
    for i in range(reps + 20):  # the first 20 warm up
        s = z_s.detach().requires_grad_()
        start = time.perf_counter()
        loss = loss_fn(s, z_t, labels) if wants_labels else loss_fn(s, z_t)
        loss.backward()
        if i >= 20:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__),
                                                      'logit_method_cost.json'))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        teacher_ckpt = os.path.join(tmp, 'teacher.pth')
        from mmkd.models.utils import build_model
        torch.save({'state_dict': build_model(classifier(34), 'teacher').state_dict()},
                   teacher_ckpt)
        built = {name: build(name, loss, teacher_ckpt) for name, loss in VARIANTS.items()}
    data, _, _ = make_batch('cpu', args.batch)
    times = {name: [] for name in built}
    for i in range(args.warmup + args.steps):
        for name, (algo, optim_wrapper) in built.items():
            start = time.perf_counter()
            algo.train_step(data, optim_wrapper)
            if i >= args.warmup:
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times['kd'])
    loss_s = {name: loss_time(algo, data) for name, (algo, _) in built.items()}
    rows = {name: dict(median_s=statistics.median(t), ratio_to_kd=statistics.median(t) / base,
                       loss_ms=1e3 * loss_s[name],
                       loss_extra_of_kd_step=(loss_s[name] - loss_s['kd']) / base)
            for name, t in times.items()}
    print('| variant | median step (s) | ratio to KD | loss alone (ms) | extra over KD, of a '
          'KD step |\n|---|---|---|---|---|')
    for name, row in rows.items():
        print(f'| {name} | {row["median_s"]:.3f} | {row["ratio_to_kd"]:.3f} | '
              f'{row["loss_ms"]:.3f} | {100 * row["loss_extra_of_kd_step"]:+.3f}% |')
    with open(args.out, 'w') as f:
        json.dump(dict(args=vars(args), torch=torch.__version__, rows=rows), f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
