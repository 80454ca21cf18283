"""What the non-finite loss guard costs a training step.

    python benchmarks/non_finite_guard.py [--steps 300] [--threads 1]
        [--out benchmarks/non_finite_guard.json]

One training step (``train_step``: preprocessing, forward, loss, backward, SGD step) of mmkd's
``SingleTeacherDistill`` with vanilla KD, with and without what ``NonFiniteLossHook`` adds to
every step (``UpdateGuard`` on the optimizer wrapper: one ``isfinite`` on the loss and one
synchronisation at the step; the hook's check of the summed loss after the iteration). Both
sides train the same modules, alternately step by step in one process; ratio of medians. Two
sizes: the digits convnets at batch 32 of 1x8x8 (a step of about 2 ms, where a fixed cost
shows most) and the CIFAR zoo's resnet32x4 -> resnet8x4 at batch 64 of 3x32x32.
"""
import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mmkd.models  # noqa: E402,F401
from mmkd.engine.hooks import NonFiniteLossHook  # noqa: E402
from mmkd.engine.hooks.non_finite_loss_hook import UpdateGuard  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402
from teacher_cost import KD_DISTILLER as DISTILLER  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def config_model(path, key):
    from mmengine.config import Config
    return Config.fromfile(os.path.join(os.path.dirname(HERE), path))[key].to_dict()


PAIRS = {
    'digits convnets, batch 32 of 1x8x8': dict(
        teacher=lambda: config_model('configs/_base_/models/digits/convnets.py',
                                     'teacher_model'),
        student=lambda: config_model('configs/_base_/models/digits/convnets.py',
                                     'student_model'),
        shape=(1, 8, 8), classes=10, batch=32),
    'resnet32x4 -> resnet8x4, batch 64 of 3x32x32': dict(
        teacher=lambda: config_model('configs/_base_/models/cifar/resnet32x4.py', 'model'),
        student=lambda: config_model('configs/_base_/models/cifar/resnet8x4.py', 'model'),
        shape=(3, 32, 32), classes=100, batch=64),
}


class _Runner:
    """What the hook reads of a runner after an iteration."""

    def __init__(self, model):
        from mmengine.logging import MessageHub
        self.model, self.iter, self.epoch, self.train_loop = model, 0, 0, None
        self.message_hub = MessageHub.get_current_instance()


def measure(pair, steps, tmp):
    from mmengine.optim import OptimWrapper
    from mmpretrain.structures import DataSample
    teacher_cfg = pair['teacher']()
    torch.manual_seed(0)
    ckpt = os.path.join(tmp, 'teacher.pth')
    torch.save({'state_dict': MODELS.build(copy.deepcopy(teacher_cfg)).state_dict()}, ckpt)
    algo = MODELS.build(dict(
        type='SingleTeacherDistill', architecture=pair['student'](), teacher=teacher_cfg,
        teacher_ckpt=ckpt, distiller=copy.deepcopy(DISTILLER),
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                               num_classes=pair['classes'], mean=[0.0] * pair['shape'][0],
                               std=[1.0] * pair['shape'][0]))).train()
    g = torch.Generator().manual_seed(0)
    data = dict(inputs=torch.randint(0, 256, (pair['batch'], *pair['shape']), generator=g,
                                     dtype=torch.uint8),
                data_samples=[DataSample().set_gt_label(int(c)) for c in torch.randint(
                    0, pair['classes'], (pair['batch'], ), generator=g)])
    sgd = dict(lr=0.01, momentum=0.9, weight_decay=5e-4)
    plain = OptimWrapper(torch.optim.SGD(algo.student.parameters(), **sgd))
    guarded = OptimWrapper(torch.optim.SGD(algo.student.parameters(), **sgd))
    UpdateGuard(guarded)
    hook, runner = NonFiniteLossHook(), _Runner(algo)

    def with_guard():
        outputs = algo.train_step(copy.copy(data), guarded)
        hook.after_train_iter(runner, 0, None, outputs)

    fns = dict(plain=lambda: algo.train_step(copy.copy(data), plain), guarded=with_guard)
    times = {k: [] for k in fns}
    for i in range(steps + 10):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if i >= 10:
                times[name].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) for k, v in times.items()}
    return dict(plain_ms=medians['plain'] * 1e3, guarded_ms=medians['guarded'] * 1e3,
                ratio=medians['guarded'] / medians['plain'], steps=steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--out', default=None, help='write the results as JSON here')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = dict(threads=args.threads, torch=torch.__version__)
    with tempfile.TemporaryDirectory() as tmp:
        for name, pair in PAIRS.items():
            steps = args.steps if pair['batch'] == 32 else max(args.steps // 15, 10)
            results[name] = measure(pair, steps, tmp)
            print(name, json.dumps(results[name]))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
