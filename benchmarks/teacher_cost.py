"""What the teacher costs a KD step, and how much of it each option takes back.

    python benchmarks/teacher_cost.py [--steps 10] [--threads 2] [--device cpu]
        [--out benchmarks/teacher_cost.json]

Step time and peak memory of

  (a) the hand-written KD loop (benchmarks/kd_step_speed.py's),
  (b) mmkd's SingleTeacherDistill, default options,
  (c) (b) with each lean teacher option (channels-last, bf16 autocast, both, torch.compile),
  (d) (b) reading the teacher's top-10 probabilities from a teacher-output cache,
  (e) the student trained alone: the hand-written loop without teacher, and mmpretrain's own
      ``ImageClassifier.train_step``,

on the ResNet-34 -> ResNet-18 pair (CIFAR variants, batch 64 of 3x32x32, 100 classes), all
timed alternately step by step in one process and reported as ratios of medians to (a); peak
memory per variant in a fresh process (peak RSS on CPU, peak allocated on CUDA). Every
variant trains the same student module objects, so only the framework's code and the teacher
options differ.

Then mmkd's fixed cost per step: (b) minus (a) with tiny models (the digits convnets) at batch
2 of 1x8x8, where the arithmetic is negligible.
"""
import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kd_step_speed import (MEAN, STD, classifier, hand_step, make_batch,  # noqa: E402
                           peak_of, random_teacher_checkpoint,
                           step_benchmark_parser, timed)

import mmkd.models  # noqa: E402,F401
from mmkd.registry import MODELS  # noqa: E402

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
KD_DISTILLER = dict(
    type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=LOGITS,
    distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_kd=dict(preds_S=dict(recorder='logits', from_student=True),
                                            preds_T=dict(recorder='logits', from_student=False))))
VARIANTS = {
    '(a) hand-written KD loop': None,
    '(b) mmkd default': {},
    '(c) mmkd, teacher channels_last': dict(teacher_lean=dict(channels_last=True)),
    '(c) mmkd, teacher bf16 autocast': dict(teacher_lean=dict(autocast='bf16')),
    '(c) mmkd, teacher channels_last + bf16': dict(teacher_lean=dict(channels_last=True,
                                                                     autocast='bf16')),
    '(c) mmkd, teacher torch.compile': dict(teacher_lean=dict(compile=True)),
    '(d) mmkd, teacher cache (top-10, fp16)': dict(teacher_cache=dict(topk=10)),
    '(e) student alone, hand-written': None,
    '(e) student alone, mmpretrain train_step': None,
}
TOPK = 10


def preprocessor(mean, std, classes):
    return dict(type='mmpretrain.ClsDataPreprocessor', num_classes=classes,
                mean=mean.flatten().tolist(), std=std.flatten().tolist())


def kd_algorithm(student, teacher_cfg, teacher_ckpt, pre, options):
    return MODELS.build(dict(type='SingleTeacherDistill', architecture=student, teacher=teacher_cfg,
                             teacher_ckpt=teacher_ckpt, data_preprocessor=pre,
                             distiller=copy.deepcopy(KD_DISTILLER), **options))


def build_cache(path, teacher_cfg, teacher_ckpt, pre, data):
    """A one-slot cache of the benchmark batch (its samples indexed 0..B-1)."""
    from mmkd.models.teachers.cached import teacher_logits_for_cache
    from mmkd.models.teachers.output_cache import (TeacherCacheWriter, check_cache_options,
                                                        teacher_cache_fields)
    student = MODELS.build(classifier(18, ce_weight=0.1))
    algo = kd_algorithm(student, teacher_cfg, teacher_ckpt, pre, {}).eval()
    options = check_cache_options(dict(dir=path, topk=TOPK))
    fields = teacher_cache_fields(teacher_cfg, teacher_ckpt, algo.data_preprocessor,
                                  algo.distiller.sources['teacher'].get_recorder('logits'), options)
    batch = algo.data_preprocessor(copy.deepcopy(data), False)
    logits = teacher_logits_for_cache(algo, batch['inputs'], batch['data_samples'], 'logits')
    n = logits.size(0)
    writer = TeacherCacheWriter(path, dict(fields, data={}, num_slots=1, num_samples=n,
                                           num_classes=logits.size(1), dtype='float16'))
    writer.prepare(overwrite=True)
    writer.open()
    writer.write(np.zeros(n, np.int64), np.arange(n), np.arange(n, dtype=np.int64), logits)
    writer.flush()
    writer.finish({})


def with_replay_meta(data):
    """The batch as a ReplayableDataset would give it: index, slot and fingerprint per sample."""
    for i, sample in enumerate(data['data_samples']):
        sample.set_metainfo(dict(sample_idx=i, replay_slot=0, replay_fingerprint=i))
    return data


def make_steps(names, device, teacher_ckpt, cache_dir):
    """A step function per variant, all over one student."""
    from mmengine.optim import OptimWrapper
    teacher_cfg = classifier(34)
    pre = preprocessor(MEAN, STD, 100)
    data, images, labels = make_batch(device)
    with_replay_meta(data)
    # its own preprocessor serves (e)'s mmpretrain train_step; the algorithms use theirs
    student = MODELS.build(dict(classifier(18, ce_weight=0.1), data_preprocessor=pre)).to(device)
    sgd = dict(lr=0.05, momentum=0.9, weight_decay=5e-4)
    steps, hand_teacher = {}, None
    for name in names:
        options = VARIANTS[name]
        if options is not None:
            options = copy.deepcopy(options)
            if 'teacher_cache' in options:
                options['teacher_cache']['dir'] = cache_dir
            algo = kd_algorithm(student, teacher_cfg, teacher_ckpt, pre, options).to(device)
            algo.train()
            wrapper = OptimWrapper(torch.optim.SGD(student.parameters(), **sgd))
            steps[name] = lambda a=algo, w=wrapper: a.train_step(copy.copy(data), w)
        elif name.startswith('(a)') or name.endswith('hand-written'):
            optim = torch.optim.SGD(student.parameters(), **sgd)
            kd = name.startswith('(a)')
            if kd:  # built alone: its process holds nothing else
                from mmkd.models.teachers.loading import load_teacher_checkpoint
                from mmkd.models.utils import build_model
                hand_teacher = build_model(teacher_cfg, 'teacher')
                load_teacher_checkpoint(hand_teacher, teacher_ckpt, 'teacher')
                hand_teacher.requires_grad_(False)
                hand_teacher.to(device).eval()
            steps[name] = lambda o=optim, kd=kd: hand_step(
                student, hand_teacher if kd else None, o, images, labels)
        else:  # mmpretrain's classifier alone, its own preprocessor and loss
            wrapper = OptimWrapper(torch.optim.SGD(student.parameters(), **sgd))
            steps[name] = lambda w=wrapper: student.train_step(copy.copy(data), w)
    return steps


def memory_of(name, args, teacher_ckpt, cache_dir):
    out = subprocess.run(
        [sys.executable, __file__, '--memory-only', name, '--device', args.device,
         '--threads', str(args.threads), '--teacher-ckpt', teacher_ckpt, '--cache-dir',
         cache_dir], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_mib']


def memory_only(args):
    step = make_steps([args.memory_only], args.device, args.teacher_ckpt, args.cache_dir)[
        args.memory_only]
    step()  # a compiled teacher compiles here, outside the measured steps
    print(json.dumps(dict(peak_mib=peak_of(step, args.device))))


def fixed_cost(args, tmp, steps=300):
    """mmkd's own cost per step: tiny digits models, batch 2 of 1x8x8."""
    from mmengine.optim import OptimWrapper
    from mmpretrain.structures import DataSample

    def convnet(widths):
        return dict(_scope_='mmpretrain', type='ImageClassifier',
                    backbone=dict(type='mmkd.SimpleConvNet', in_channels=1, widths=widths,
                                  num_convs=1),
                    neck=dict(type='GlobalAveragePooling'),
                    head=dict(type='LinearClsHead', num_classes=10, in_channels=widths[-1],
                              loss=dict(type='CrossEntropyLoss', loss_weight=0.1)))

    torch.manual_seed(0)
    ckpt = os.path.join(tmp, 'tiny_teacher.pth')
    torch.save({'state_dict': MODELS.build(convnet((16, 32))).state_dict()}, ckpt)
    mean, std = torch.tensor([78.0]).view(1, 1, 1, 1), torch.tensor([96.0]).view(1, 1, 1, 1)
    student = MODELS.build(convnet((8, 16)))
    algo = kd_algorithm(student, convnet((16, 32)), ckpt, preprocessor(mean, std, 10), {})
    algo.train()
    sgd = dict(lr=0.05, momentum=0.9)
    wrapper = OptimWrapper(torch.optim.SGD(student.parameters(), **sgd))
    hand_optim = torch.optim.SGD(student.parameters(), **sgd)
    images = torch.randint(0, 256, (2, 1, 8, 8)).float()
    labels = torch.tensor([1, 7])
    data = dict(inputs=images, data_samples=[DataSample().set_gt_label(int(y)) for y in labels])
    times = dict(mmkd=[], hand=[])
    for i in range(steps + 20):
        for name in (('mmkd', 'hand') if i % 2 == 0 else ('hand', 'mmkd')):
            fn = (lambda: algo.train_step(copy.copy(data), wrapper)) if name == 'mmkd' else \
                (lambda: hand_step(student, algo.teacher, hand_optim, images, labels, mean=mean,
                                   std=std))
            t = timed(fn, 'cpu')
            if i >= 20:
                times[name].append(t)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    return dict(mmkd_ms=med['mmkd'], hand_ms=med['hand'], fixed_cost_ms=med['mmkd'] - med['hand'])


def main():
    parser = step_benchmark_parser(
        __doc__, steps=10, out=os.path.join(os.path.dirname(__file__), 'teacher_cost.json'))
    parser.add_argument('--cache-dir', help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.memory_only:
        return memory_only(args)

    tmp = tempfile.mkdtemp()
    teacher_ckpt, cache_dir = random_teacher_checkpoint(tmp), os.path.join(tmp, 'cache')
    data, _, _ = make_batch(args.device)
    build_cache(cache_dir, classifier(34), teacher_ckpt, preprocessor(MEAN, STD, 100),
                with_replay_meta(data))

    steps = make_steps(list(VARIANTS), args.device, teacher_ckpt, cache_dir)
    times = {name: [] for name in steps}
    for i in range(args.warmup + args.steps):
        order = list(steps) if i % 2 == 0 else list(steps)[::-1]
        for name in order:
            t = timed(steps[name], args.device)
            if i >= args.warmup:
                times[name].append(t)
        print(f'round {i + 1}/{args.warmup + args.steps}', file=sys.stderr, end='\r')
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med['(a) hand-written KD loop']
    print(file=sys.stderr)
    rows = []
    for name in steps:
        peak = memory_of(name, args, teacher_ckpt, cache_dir)
        rows.append(dict(variant=name, median_step_ms=1000 * med[name], ratio_to_a=med[name] / base,
                         peak_mib=peak))
    peak_a = rows[0]['peak_mib']
    for row in rows:
        row['peak_ratio_to_a'] = row['peak_mib'] / peak_a
    student_alone = med['(e) student alone, mmpretrain train_step']
    cached = med['(d) mmkd, teacher cache (top-10, fp16)']
    result = dict(device=args.device, threads=args.threads, steps=args.steps,
                  torch=torch.__version__, rows=rows,
                  cached_over_student_alone=cached / student_alone,
                  cached_over_mmkd_default=cached / med['(b) mmkd default'],
                  fixed_cost=fixed_cost(args, tmp))
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'| variant (ResNet-34 -> ResNet-18, batch 64, {args.threads} threads, {args.device}) '
          '| median step | ratio to (a) | peak memory | ratio to (a) |')
    print('|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['variant']} | {r['median_step_ms']:.1f} ms | {r['ratio_to_a']:.3f} | "
              f"{r['peak_mib']:.0f} MiB | {r['peak_ratio_to_a']:.3f} |")
    fc = result['fixed_cost']
    print(f"\ncached KD / student alone (mmpretrain): {result['cached_over_student_alone']:.3f}; "
          f"cached KD / mmkd default: {result['cached_over_mmkd_default']:.3f}")
    print(f"fixed cost (digits convnets, batch 2, 8x8): mmkd {fc['mmkd_ms']:.2f} ms, hand "
          f"{fc['hand_ms']:.2f} ms, difference {fc['fixed_cost_ms']:.2f} ms")


if __name__ == '__main__':
    main()
