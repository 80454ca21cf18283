"""The replayable data path and the cached KD step, on a real pipeline.

    python benchmarks/replay_pipeline.py [--batches 60] [--steps 30] [--threads 1]
        [--out benchmarks/replay_pipeline.json]

(1) Data: one batch of 64 images drawn through torch's ``DataLoader`` (in the main process, so
    the time is the data path's own), plain against wrapped in ``ReplayableDataset``,
    alternated batch by batch, ratio of the medians, with the cost per sample of each part of
    the replay path; from mmpretrain's ``CIFAR100`` dataset with the shipped CIFAR-100
    training pipeline (RandomCrop 32 with padding 4, RandomFlip, PackInputs: arrays in memory,
    the cheapest pipeline there is), and from an image folder of 375x500 JPEGs through
    mmpretrain's ``CustomDataset`` with ImageNet's training pipeline (LoadImageFromFile,
    RandomResizedCrop 224, RandomFlip, PackInputs).
(2) Step: one training step with its batch, a student trained alone by mmpretrain's
    ``ImageClassifier.train_step`` on the plain dataset, against mmkd's ``SingleTeacherDistill``
    reading the teacher's top-10 probabilities from a teacher-output cache on the replayable
    dataset (what the teacher is does not matter here: it never runs); alternated step by
    step; ratio of medians. Two students: the CIFAR zoo's resnet8x4, and a tiny convnet (the
    digits student's widths 8-16, 3 channels) whose step is mostly the data path: the worst
    case for the cache's data overhead.

The images are random bytes in CIFAR-100's file format, written to a temporary folder (nothing
is downloaded); the work per image is that of real CIFAR-100.
"""
import argparse
import copy
import json
import os
import pickle
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mmkd.models  # noqa: E402,F401
from mmkd.datasets.replayable_dataset import (ReplayableDataset, input_fingerprint,  # noqa: E402
                                              kept_global_rngs, sample_seed, seed_global_rngs)
from mmkd.registry import MODELS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_PIPELINE = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
PREPROCESSOR = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=100,
                    mean=[129.304, 124.070, 112.434], std=[68.170, 65.392, 70.418])
BATCH = 64


IMAGENET_PIPELINE = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=224),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]


def write_image_folder(root: str, num: int) -> str:
    """``num`` 375x500 JPEGs (ImageNet's typical size; smooth gradients with noise, so they
    compress and decode like photographs) in two class folders under ``root``."""
    import cv2
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:375, 0:500]
    for i in range(num):
        folder = os.path.join(root, f'class{i % 2}')
        os.makedirs(folder, exist_ok=True)
        base = np.stack([(xx * rng.uniform(0.2, 0.5) + yy * rng.uniform(0.1, 0.4)) % 256
                         for _ in range(3)], axis=-1)
        img = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(os.path.join(folder, f'{i:04d}.jpg'), img)
    return root


def write_cifar100(root: str, num: int) -> str:
    """``num`` random images in CIFAR-100's python format under ``root``; mmpretrain's MD5
    check of the real files is switched off for them."""
    from mmpretrain.datasets import CIFAR100
    folder = os.path.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, n in (('train', num), ('test', 8)):
        with open(os.path.join(folder, name), 'wb') as f:
            pickle.dump(dict(data=rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                             fine_labels=rng.integers(0, 100, n).tolist()), f)
    CIFAR100.train_list, CIFAR100.test_list = [['train', None]], [['test', None]]
    return root


def dataset_cfg(root):
    return dict(type='mmpretrain.CIFAR100', data_root=root, split='train',
                pipeline=copy.deepcopy(TRAIN_PIPELINE))


def folder_cfg(root):
    return dict(type='mmpretrain.CustomDataset', data_root=root,
                pipeline=copy.deepcopy(IMAGENET_PIPELINE))


def loader(dataset, seed=0):
    from mmengine.dataset import pseudo_collate
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, generator=g,
                                       num_workers=0, collate_fn=pseudo_collate,
                                       drop_last=True)


def endless(data_loader):
    while True:
        yield from data_loader


def alternate(fns: dict, rounds: int, warmup: int) -> dict:
    """Median seconds of each function, called in turn round by round."""
    times = {name: [] for name in fns}
    for r in range(warmup + rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if r >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def drawn_generators(cfg, n=64):
    """The generators the pipeline draws from, as the cache builder records them."""
    replay = ReplayableDataset(cfg, seed=0)
    replay.track_generators = True
    drawn = set()
    for item in replay.__getitems__([(0, i) for i in range(n)]):
        drawn.update(item['data_samples'].replay_draws_from)
    return sorted(drawn)


def data_path(cfg, batches):
    from mmkd.registry import DATASETS
    plain = DATASETS.build(copy.deepcopy(cfg))
    replay = ReplayableDataset(copy.deepcopy(cfg), seed=0)
    replay.set_epoch(0)
    drawn = drawn_generators(copy.deepcopy(cfg))
    lean = ReplayableDataset(copy.deepcopy(cfg), seed=0)
    lean.set_epoch(0)
    lean.use_generators(drawn)
    its = dict(plain=endless(loader(plain)), replayable=endless(loader(replay)),
               replayable_lean=endless(loader(lean)))
    medians = alternate({k: (lambda it=it: next(it)) for k, it in its.items()}, batches, 5)
    # The replay path's parts, per sample, on this pipeline's packed 3x32x32 inputs.
    x = replay[(0, 0)]['inputs']
    n = 500
    parts = {}
    for name, fn in (('sample seed', lambda i: sample_seed(0, 3, i)),
                     ('seeding the three generators', lambda i: seed_global_rngs(i)),
                     ('seeding those drawn from', lambda i: seed_global_rngs(i, drawn)),
                     ('input fingerprint (CRC-32)', lambda i: input_fingerprint(x))):
        start = time.perf_counter()
        for i in range(n):
            fn(i)
        parts[name] = (time.perf_counter() - start) / n * 1e6
    start = time.perf_counter()
    for _ in range(200):
        with kept_global_rngs(True, drawn):
            pass
    parts['save + restore of those generators, once per batch'] = \
        (time.perf_counter() - start) / 200 * 1e6 / BATCH
    return dict(plain_ms=medians['plain'] * 1e3,
                replayable_all_generators_ms=medians['replayable'] * 1e3,
                ratio_all_generators=medians['replayable'] / medians['plain'],
                generators_drawn_from=drawn,
                replayable_ms=medians['replayable_lean'] * 1e3,
                ratio=medians['replayable_lean'] / medians['plain'],
                replay_parts_us_per_sample=parts)


def build_cache(root, cache_dir, teacher_cfg, teacher_ckpt, num):
    """A one-slot top-10 cache of the teacher over the replayable dataset, by mmkd's builder."""
    from mmengine.config import Config
    from mmkd.engine.teacher_cache_builder import build
    cfg = Config(dict(
        default_scope='mmkd',
        model=kd_cfg(teacher_cfg, teacher_ckpt, teacher_cache=dict(dir=cache_dir, topk=10)),
        train_dataloader=dict(batch_size=256, num_workers=0, dataset=dict(
            type='ReplayableDataset', seed=0, num_slots=1, dataset=dataset_cfg(root))),
        custom_hooks=[dict(type='ReplayAugmentationHook')]))
    build(cfg, device='cpu', overwrite=True)


def zoo(name):
    from mmengine.config import Config
    path = os.path.join(os.path.dirname(HERE), 'configs/_base_/models/cifar', f'{name}.py')
    return Config.fromfile(path).model.to_dict()


def tiny_convnet():
    return dict(_scope_='mmpretrain', type='ImageClassifier',
                backbone=dict(type='mmkd.SimpleConvNet', in_channels=3, widths=(8, 16),
                              num_convs=1),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=100, in_channels=16,
                          loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))


STUDENTS = {'resnet8x4': lambda: zoo('resnet8x4'), 'tiny convnet 8-16': tiny_convnet}


def kd_cfg(teacher_cfg, teacher_ckpt, student=None, **kwargs):
    student = copy.deepcopy(student or zoo('resnet8x4'))
    student['head']['loss']['loss_weight'] = 0.1
    logits = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
    return dict(type='SingleTeacherDistill', architecture=student, teacher=teacher_cfg,
                teacher_ckpt=teacher_ckpt, data_preprocessor=copy.deepcopy(PREPROCESSOR),
                distiller=dict(
                    type='ConfigurableDistiller', student_recorders=logits,
                    teacher_recorders=logits,
                    distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4,
                                                     loss_weight=0.9)),
                    loss_forward_mappings=dict(loss_kd=dict(
                        preds_S=dict(recorder='logits', from_student=True),
                        preds_T=dict(recorder='logits', from_student=False)))), **kwargs)


def training_steps(root, tmp, steps, num):
    from mmengine.optim import OptimWrapper
    from mmkd.registry import DATASETS
    teacher_cfg = zoo('resnet8x4')
    teacher_ckpt = os.path.join(tmp, 'teacher.pth')
    torch.manual_seed(0)
    torch.save({'state_dict': MODELS.build(teacher_cfg).state_dict()}, teacher_ckpt)
    cache_dir = os.path.join(tmp, 'cache')
    start = time.perf_counter()
    build_cache(root, cache_dir, teacher_cfg, teacher_ckpt, num)
    results = dict(cache_build_s=time.perf_counter() - start)
    sgd = dict(lr=0.05, momentum=0.9, weight_decay=5e-4)
    for name, student in STUDENTS.items():
        cached = MODELS.build(kd_cfg(teacher_cfg, teacher_ckpt, student(),
                                     teacher_cache=dict(dir=cache_dir, topk=10))).train()
        alone = MODELS.build(dict(student(), data_preprocessor=copy.deepcopy(PREPROCESSOR)))
        alone.load_state_dict(cached.student.state_dict())
        alone.train()
        replay = ReplayableDataset(dataset_cfg(root), seed=0, num_slots=1)
        replay.set_epoch(0)
        # as ReplayAugmentationHook does
        replay.use_generators(cached.teacher_cache.replay_generators)
        data = dict(alone=endless(loader(DATASETS.build(dataset_cfg(root)))),
                    cached=endless(loader(replay)))
        wrappers = dict(alone=OptimWrapper(torch.optim.SGD(alone.parameters(), **sgd)),
                        cached=OptimWrapper(torch.optim.SGD(cached.student.parameters(),
                                                            **sgd)))
        models = dict(alone=alone, cached=cached)
        medians = alternate({k: (lambda k=k: models[k].train_step(next(data[k]), wrappers[k]))
                             for k in models}, steps, 3)
        results[name] = dict(student_alone_ms=medians['alone'] * 1e3,
                             cached_kd_ms=medians['cached'] * 1e3,
                             ratio=medians['cached'] / medians['alone'])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batches', type=int, default=60)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument('--samples', type=int, default=2048)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--skip-step', action='store_true', help='only the data path')
    parser.add_argument('--out', default=None, help='write the results as JSON here')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_cifar100(os.path.join(tmp, 'cifar100'), args.samples)
        result = dict(threads=args.threads, batch=BATCH, torch=torch.__version__,
                      data=data_path(dataset_cfg(root), args.batches))
        print(json.dumps(result['data'], indent=1))
        folder = write_image_folder(os.path.join(tmp, 'jpegs'), 256)
        result['data_jpeg_folder'] = data_path(folder_cfg(folder), max(args.batches // 5, 8))
        print(json.dumps(result['data_jpeg_folder'], indent=1))
        if not args.skip_step:
            result['step'] = training_steps(root, tmp, args.steps, args.samples)
            print(json.dumps(result['step'], indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
