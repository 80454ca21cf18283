"""What to ship: each trained classifier in PyTorch and in onnxruntime (float and int8), timed on
this machine's CPU at batch 1 and batch 64, with its size on disk and its top-1 on the config's
test data. All timings come from one run, the sides alternating, and are read as ratios.

    python benchmarks/deployment.py --model teacher TEACHER_CFG TEACHER_CKPT \\
        --model student STUDENT_CFG STUDENT_CKPT --model student-w8 QAT_CFG QAT_CKPT \\
        [--compare student-w8 student] [--threads 1] [--rounds 15] [--out FILE]

Each CONFIG/CHECKPOINT pair is what ``mmkd-export-onnx`` takes (a student config, or a
distillation config and its checkpoint). Per model: PyTorch (eval mode; a fake-quantized model
runs its float emulation), ONNX float (for a fake-quantized model its QuantizeLinear/
DequantizeLinear graph), ONNX int8 (``mmkd.deploy.export_int8``: the trained integer weights
of a quantized model, post-training quantization of a float one, calibrated on 512 images of
``val_dataloader``).
"""
import argparse
import io
import os.path as osp
import statistics
import sys
import tempfile

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from kd_step_speed import alternated_times, report  # noqa: E402

BATCHES = (1, 64)
# calls per timed sample: a single batch-1 call is too short for the clock
CALLS = {1: 200, 64: 10}


def runtimes(name, config, checkpoint, folder, threads):
    """``{runtime: (predict(images) -> logits, bytes)}`` of one model, and its test batches."""
    from mmkd.cli.export_onnx import image_batches, load_classifier
    from mmkd.deploy import ClassifierGraph, export_float, export_int8, file_size, ort_session
    model, cfg = load_classifier(config, checkpoint)
    tests = list(image_batches(cfg, 'test_dataloader'))
    graph = ClassifierGraph(model).eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    paths = {'onnx float': osp.join(folder, f'{name}.onnx'),
             'onnx int8': osp.join(folder, f'{name}_int8.onnx')}
    export_float(model, torch.from_numpy(tests[0][0][:1]), paths['onnx float'])
    export_int8(model, (x for x, _ in image_batches(cfg, 'val_dataloader', 512)),
                paths['onnx int8'])

    def torch_predict(images):
        with torch.no_grad():
            return graph(torch.from_numpy(images)).numpy()

    out = {'pytorch': (torch_predict, buffer.getbuffer().nbytes)}
    for runtime, path in paths.items():
        session = ort_session(path, threads)
        out[runtime] = (lambda images, s=session: s.run(None, {'inputs': images})[0],
                        file_size(path))
    return out, tests


def accuracy(predict, tests):
    correct = sum(int((predict(x).argmax(1) == np.asarray(y)).sum()) for x, y in tests)
    return 100.0 * correct / sum(len(y) for _, y in tests)


def table(rows) -> str:
    """The rows as the Markdown table of benchmarks/README.md."""
    lines = ['| model / runtime | size (KiB) | top-1 (%) | ms, batch 1 | ms, batch 64 |',
             '|---|---|---|---|---|']
    lines += [f'| {k} | {r["bytes"] / 1024:.1f} | {r["top1"]:.2f} | {r["ms_batch1"]:.3f} | '
              f'{r["ms_batch64"]:.3f} |' for k, r in rows.items()]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', nargs=3, action='append', required=True,
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'))
    parser.add_argument('--compare', nargs=2, action='append', metavar=('QUANTIZED', 'FLOAT'),
                        help="also give FLOAT's onnx float time over QUANTIZED's int8 time")
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--out')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows, sides = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, config, checkpoint in args.model:
            found, tests = runtimes(name, config, checkpoint, folder, args.threads)
            images = {b: np.concatenate([x for x, _ in tests])[:b] for b in BATCHES}
            for runtime, (predict, size) in found.items():
                rows[f'{name} / {runtime}'] = dict(bytes=size, top1=accuracy(predict, tests))
                for b in BATCHES:
                    sides[f'{name} / {runtime} / batch {b}'] = (
                        lambda p=predict, x=images[b], n=CALLS[b]: [p(x) for _ in range(n)])
        times = alternated_times(sides, args.rounds, warmup=2)
    for key, row in rows.items():
        for b in BATCHES:
            seconds = statistics.median(times[f'{key} / batch {b}']) / CALLS[b]
            row[f'ms_batch{b}'] = 1e3 * seconds
    ratios = {}
    for quantized, plain in args.compare or ():
        for b in BATCHES:
            # the int8 file of one model against another model in onnxruntime float
            ratios[f'{plain} onnx float / {quantized} onnx int8, batch {b}'] = \
                rows[f'{plain} / onnx float'][f'ms_batch{b}'] / \
                rows[f'{quantized} / onnx int8'][f'ms_batch{b}']
    print(table(rows), file=sys.stderr)
    report(dict(threads=args.threads, rounds=args.rounds, calls=CALLS, models=rows,
                speedups=ratios), args.out)


if __name__ == '__main__':
    main()
