"""What the lean teacher options cost and save: a frozen teacher's forward pass with
``SingleTeacherDistill(teacher_lean=...)``'s options against the plain float32 pass.

    python benchmarks/lean_teacher.py [--teacher resnet32x4] [--batch 64] [--steps 20]
        [--threads 2] [--out benchmarks/lean_teacher.json]

The teacher is a CIFAR-zoo network with random weights (what matters is the arithmetic, not
the accuracy), batch of 3x32x32 normal inputs, eval mode, no_grad; each option's pass runs
through the same code the algorithm uses (``run_lean``), timed alternately step by step in
one process, medians after 3 warm-up steps. Reported per option: median time as a ratio to
the plain pass, and the largest absolute difference of the logits from the plain pass (with
the logits' own scale for reference).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OPTIONS = {
    'plain': None,
    'channels_last': dict(channels_last=True),
    'autocast bf16': dict(autocast='bf16'),
    'channels_last + bf16': dict(channels_last=True, autocast='bf16'),
    'compile': dict(compile=True),  # its first (warm-up) pass compiles
}


class _NoRecords:
    def cast_records(self, dtype):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--teacher', default='resnet32x4')
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__),
                                                       'lean_teacher.json'))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import copy

    import mmkd.models  # noqa: F401
    from mmkd.models.teachers.lean import check_lean_options, make_lean, run_lean
    from mmkd.models.utils import build_model
    from mmkd.utils.scopes import mmkd_scope
    with mmkd_scope():
        base = build_model(dict(cfg_path=f'mmkd::_base_/models/cifar/{args.teacher}.py'),
                           'teacher').eval()
    models, options = {}, {}
    for name, cfg in OPTIONS.items():
        options[name] = check_lean_options(cfg, name)
        models[name] = copy.deepcopy(base)
        make_lean(models[name], options[name])
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, 32, 32)
    times = {name: [] for name in OPTIONS}
    outputs = {}
    with torch.no_grad():
        for step in range(args.steps + 3):
            for name in OPTIONS:
                start = time.perf_counter()
                out = run_lean(options[name], x, lambda inp, m=models[name]: m(inp, mode='tensor'),
                               _NoRecords())
                elapsed = time.perf_counter() - start
                if step >= 3:
                    times[name].append(elapsed)
                outputs[name] = out.float()
    plain = statistics.median(times['plain'])
    rows = []
    for name in OPTIONS:
        median = statistics.median(times[name])
        rows.append(dict(option=name, median_ms=1000 * median, ratio=median / plain,
                         max_abs_logit_diff=float((outputs[name] - outputs['plain']).abs().max()),
                         logit_scale=float(outputs['plain'].abs().max())))
    with open(args.out, 'w') as f:
        json.dump(dict(torch=torch.__version__, teacher=args.teacher, batch=args.batch,
                       threads=args.threads, steps=args.steps, rows=rows), f, indent=1)
    print(f'| option ({args.teacher}, batch {args.batch}, {args.threads} threads) | median pass | '
          'ratio to plain | max abs logit difference | max abs logit |')
    print('|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['option']} | {r['median_ms']:.1f} ms | {r['ratio']:.3f} | "
              f"{r['max_abs_logit_diff']:.2e} | {r['logit_scale']:.2f} |")


if __name__ == '__main__':
    main()
