"""Time one KD training step of mmkd against a hand-written PyTorch loop doing the same work.

    python benchmarks/kd_step_speed.py [--steps 20] [--warmup 3] [--threads 2] [--device cpu]

Both sides use the same teacher (ResNet-34, CIFAR variant, frozen, eval mode) and student
(ResNet-18, CIFAR variant), CIFAR-sized inputs (batch 64, 3x32x32, 100 classes) and the same
work per step: normalise the batch, teacher forward under no_grad, student forward,
0.1 * cross-entropy + 0.9 * KD (tau 4), backward, SGD step. The two are timed alternately, step
by step, in one process (this machine is noisy, so only the ratio of medians is meaningful).
Peak memory is measured in a separate process per side (same models built in both): on CUDA
the peak allocated memory, on CPU the peak RSS of the process during three training steps (the
peak counter is reset after the models are built).
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

import mmkd  # noqa: F401
from mmkd.registry import MODELS

MEAN = torch.tensor([129.304, 124.070, 112.434]).view(1, 3, 1, 1)
STD = torch.tensor([68.170, 65.392, 70.418]).view(1, 3, 1, 1)


def classifier(depth, ce_weight=1.0):
    return dict(_scope_='mmpretrain', type='ImageClassifier',
                backbone=dict(type='ResNet_CIFAR', depth=depth),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=100, in_channels=512,
                          loss=dict(type='CrossEntropyLoss', loss_weight=ce_weight)))


def build(device, teacher_ckpt):
    """The mmkd algorithm, its optimizer, and the hand loop's optimizer over the same student.

    Both sides train the very same module objects (alternately), so the comparison measures the
    framework's code and not where two copies of the weights happen to lie in memory (which
    alone moved the ratio by +-3% on this machine).
    """
    from mmengine.optim import OptimWrapper
    algo = MODELS.build(dict(
        type='SingleTeacherDistill',
        architecture=classifier(18, ce_weight=0.1),
        teacher=classifier(34),
        teacher_ckpt=teacher_ckpt,
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=100,
                               mean=MEAN.flatten().tolist(), std=STD.flatten().tolist()),
        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
            teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
            distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
            loss_forward_mappings=dict(loss_kd=dict(
                preds_S=dict(recorder='logits', from_student=True),
                preds_T=dict(recorder='logits', from_student=False)))))).to(device)
    algo.train()
    sgd = dict(lr=0.05, momentum=0.9, weight_decay=5e-4)
    optim_wrapper = OptimWrapper(torch.optim.SGD(algo.student.parameters(), **sgd))
    hand_optim = torch.optim.SGD(algo.student.parameters(), **sgd)
    return algo, optim_wrapper, algo.student, algo.teacher, hand_optim


def make_batch(device, batch=64):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, 3, 32, 32), generator=g).float()
    labels = torch.randint(0, 100, (batch, ), generator=g)
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=images.to(device), data_samples=samples), images.to(device), labels.to(device)


def hand_step(student, teacher, optim, images, labels, tau=4.0, mean=MEAN, std=STD):
    """One step of the hand-written loop; ``teacher=None`` trains the student alone (CE)."""
    x = (images - mean.to(images.device)) / std.to(images.device)
    zs = student.head.fc(student.neck(student.backbone(x))[-1])
    if teacher is None:
        loss = F.cross_entropy(zs, labels)
    else:
        with torch.no_grad():
            zt = teacher.head.fc(teacher.neck(teacher.backbone(x))[-1])
        kd = F.kl_div(F.log_softmax(zs / tau, 1), F.softmax(zt / tau, 1),
                      reduction='none').sum(1).mean()
        loss = 0.1 * F.cross_entropy(zs, labels) + 0.9 * tau**2 * kd
    optim.zero_grad()
    loss.backward()
    optim.step()
    return loss.item()


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def timed(fn, device):
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def alternated_times(sides, rounds, warmup=0, device='cpu'):
    """Each side's times over ``rounds`` rounds after ``warmup`` ones, the sides run one after
    the other in an order that alternates every round (so drifts in machine speed hit them
    alike): ``{name: [seconds, ...]}``."""
    times = {name: [] for name in sides}
    for i in range(warmup + rounds):
        order = list(sides.items())
        for name, fn in (order if i % 2 == 0 else order[::-1]):
            t = timed(fn, device)
            if i >= warmup:
                times[name].append(t)
        print(f'round {i + 1}/{warmup + rounds}', file=sys.stderr, end='\r')
    return times


def report(result: dict, out=None) -> None:
    """Print ``result`` as JSON, and write it to ``out`` when given."""
    print(json.dumps(result, indent=2))
    if out:
        with open(out, 'w') as f:
            json.dump(result, f, indent=2)


def peak_memory(side, args, teacher_ckpt):
    """Peak memory of a few steps of one side, in a fresh process (MiB)."""
    out = subprocess.run(
        [sys.executable, __file__, '--memory-only', side, '--device', args.device, '--threads',
         str(args.threads), '--teacher-ckpt', teacher_ckpt], capture_output=True, text=True,
        check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_mib']


def memory_only(args):
    data, images, labels = make_batch(args.device)
    algo, optim_wrapper, student, teacher, hand_optim = build(args.device, args.teacher_ckpt)
    if args.memory_only == 'mmkd':
        step = lambda: algo.train_step(data, optim_wrapper)  # noqa: E731
    else:
        step = lambda: hand_step(student, teacher, hand_optim, images, labels)  # noqa: E731
    print(json.dumps(dict(peak_mib=peak_of(step, args.device))))


def peak_of(step, device, steps=3):
    """Peak memory (MiB) over ``steps`` calls of ``step``, from a reset counter: peak
    allocated on CUDA, peak RSS on CPU."""
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    else:
        _reset_peak_rss()
    for _ in range(steps):
        step()
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return _peak_rss_mib()


def _reset_peak_rss():
    """Reset Linux's peak-RSS counter to the current RSS, so building the models does not count."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass


def _peak_rss_mib():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_benchmark_parser(doc, steps, out=None, memory_choices=None):
    """The options every step benchmark takes (and the hidden ones of its memory runs)."""
    parser = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    parser.add_argument('--steps', type=int, default=steps)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', default=out, help='write the results as JSON here')
    parser.add_argument('--memory-only', choices=memory_choices, help=argparse.SUPPRESS)
    parser.add_argument('--teacher-ckpt', help=argparse.SUPPRESS)
    return parser


def random_teacher_checkpoint(folder):
    """A ResNet-34 (CIFAR) teacher checkpoint with seeded random weights, in ``folder``."""
    import os
    path = os.path.join(folder, 'teacher.pth')
    torch.manual_seed(0)
    torch.save({'state_dict': MODELS.build(classifier(34)).state_dict()}, path)
    return path


def main():
    parser = step_benchmark_parser(__doc__, steps=20, memory_choices=['mmkd', 'hand'])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.memory_only:
        return memory_only(args)

    import tempfile
    teacher_ckpt = args.teacher_ckpt = random_teacher_checkpoint(tempfile.mkdtemp())

    algo, optim_wrapper, student, teacher, hand_optim = build(args.device, teacher_ckpt)
    data, images, labels = make_batch(args.device)
    mmkd_step = lambda: algo.train_step(data, optim_wrapper)  # noqa: E731
    plain_step = lambda: hand_step(student, teacher, hand_optim, images, labels)  # noqa: E731

    def teacher_only():
        with torch.no_grad():
            teacher((images - MEAN.to(args.device)) / STD.to(args.device), mode='tensor')

    times = dict(mmkd=[], hand=[], teacher=[])
    for i in range(args.warmup + args.steps):
        # alternate the order so drifts in machine speed hit both sides alike
        order = [('mmkd', mmkd_step), ('hand', plain_step)]
        for name, fn in (order if i % 2 == 0 else order[::-1]):
            t = timed(fn, args.device)
            if i >= args.warmup:
                times[name].append(t)
        if i >= args.warmup:
            times['teacher'].append(timed(teacher_only, args.device))
        print(f'step {i + 1}/{args.warmup + args.steps}', file=sys.stderr, end='\r')

    med = {k: statistics.median(v) for k, v in times.items()}
    result = dict(
        device=args.device, threads=args.threads, steps=args.steps,
        median_step_s=dict(mmkd=med['mmkd'], hand=med['hand']),
        ratio_mmkd_over_hand=med['mmkd'] / med['hand'],
        teacher_share_of_step=med['teacher'] / med['mmkd'],
        peak_memory_mib=dict(mmkd=peak_memory('mmkd', args, teacher_ckpt),
                             hand=peak_memory('hand', args, teacher_ckpt)),
        torch=torch.__version__)
    print()
    print(f'KD step (ResNet-34 -> ResNet-18, batch 64, 32x32, {args.threads} threads, {args.device})')
    print(f'  median step: mmkd {med["mmkd"] * 1000:.1f} ms, hand-written {med["hand"] * 1000:.1f} ms')
    print(f'  ratio mmkd / hand-written: {result["ratio_mmkd_over_hand"]:.4f}')
    print(f'  teacher forward share of the mmkd step: {result["teacher_share_of_step"]:.1%}')
    print(f'  peak memory: mmkd {result["peak_memory_mib"]["mmkd"]:.0f} MiB, '
          f'hand-written {result["peak_memory_mib"]["hand"]:.0f} MiB')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
