"""Building a teacher-output cache for a training config (``mmkd-build-teacher-cache``'s
work, also what the benchmark harness and scripts call).

The builder runs the live teacher of ``model`` (with its lean options) over every (slot,
sample) of the training set, replaying each slot's augmentation, and writes the cached
recorder's logits. Several processes share the work, each writing its own entries of the same
memory-mapped files; an interrupted build continues where it stopped.
"""
import copy
import sys
import time

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from torch.utils.data import DataLoader, Dataset

from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.scopes import with_model_scope


class _Entries(Dataset):
    """The (slot, idx) entries one process computes."""

    def __init__(self, dataset, pairs):
        self.dataset, self.pairs = dataset, pairs

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.dataset[self.pairs[i]]

    def __getitems__(self, indices):
        return self.dataset.__getitems__([self.pairs[i] for i in indices])


class _Progress:
    """What the build is doing: a line when it starts, then a bar on a terminal, or a line
    every tenth of the work when the output is a file (a batch job's log)."""

    def __init__(self, todo: int, total: int, path: str, device, processes: int,
                 batch_size: int) -> None:
        self.todo, self.done, self.start, self.next_report = todo, 0, time.time(), 0.1
        print(f'building teacher cache {path}: {todo} of {total} entries to compute, batch '
              f'{batch_size}, {device}, {processes} process(es)', flush=True)
        self.bar = None
        if todo and sys.stdout.isatty():
            from mmengine.utils import ProgressBar
            self.bar = ProgressBar(todo)

    def update(self, entries: int) -> None:
        self.done = min(self.todo, self.done + entries)
        if self.bar is not None:
            self.bar.update(entries)
            return
        fraction = self.done / max(self.todo, 1)
        if fraction >= self.next_report:
            elapsed = time.time() - self.start
            left = elapsed / fraction * (1 - fraction)
            print(f'  {fraction:.0%} ({self.done}/{self.todo} entries, {elapsed:.0f} s, about '
                  f'{left:.0f} s left)', flush=True)
            while self.next_report <= fraction:
                self.next_report += 0.1


def _init_processes(cfg, launcher: str):
    from mmengine.dist import get_dist_info, init_dist
    from mmkd.utils.dist_utils import setup_cpu_distributed
    if launcher != 'none':
        if torch.cuda.is_available():
            init_dist(launcher)
        else:
            setup_cpu_distributed(cfg, launcher)
    return get_dist_info()


def _barrier():
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def build(cfg, batch_size=None, num_workers=None, device=None, overwrite=False,
          launcher='none') -> dict:
    """Build (or finish) the cache ``cfg.model.teacher_cache`` names; returns its meta."""
    from mmkd.datasets.replayable_dataset import ALL_GENERATORS, find_replayable
    from mmkd.models.teachers.cached import cache_fields, teacher_logits_for_cache
    from mmkd.models.utils.model_builder import algorithm_data_preprocessor
    from mmkd.models.teachers.output_cache import (TeacherCacheWriter, check_cache_options,
                                                        entry_bytes, read_meta, shard)
    from mmkd.registry import DATASETS, MODELS

    model_cfg = copy.deepcopy(cfg.model)
    # As the runner does: the top-level data_preprocessor is the model's unless it has one.
    preprocessor_cfg = algorithm_data_preprocessor(cfg)
    if preprocessor_cfg is not None:
        model_cfg['data_preprocessor'] = copy.deepcopy(preprocessor_cfg)
    if model_cfg.get('teacher_cache') is None:
        raise KDConfigError('model.teacher_cache is not set: it says where the cache goes and '
                            "what it keeps, e.g. dict(dir='work_dirs/cache', topk=10)")
    options = check_cache_options(model_cfg.pop('teacher_cache'))
    rank, world_size = _init_processes(cfg, launcher)
    DefaultScope.get_instance(f'mmkd-cache-{time.time()}',
                              scope_name=cfg.get('default_scope', 'mmkd'))
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    replay = find_replayable(dataset)
    if replay is None:
        raise KDConfigError(
            'train_dataloader.dataset must be a ReplayableDataset (with num_slots) for a '
            "teacher cache: dataset=dict(type='ReplayableDataset', seed=0, num_slots=S, "
            'dataset=...)')
    if replay.num_slots is None:
        raise KDConfigError('train_dataloader.dataset.num_slots must be set for a teacher '
                            'cache: it is the number of augmentation slots the cache holds')
    if replay is not dataset:
        raise KDConfigError('train_dataloader.dataset: the ReplayableDataset must be the '
                            'outermost wrapper for a teacher cache')
    if not any(str(h.get('type', '')).endswith('ReplayAugmentationHook')
               for h in cfg.get('custom_hooks') or [] if isinstance(h, dict)):
        raise KDConfigError(
            "custom_hooks has no dict(type='ReplayAugmentationHook'): training from the cache "
            'needs it (it replays each epoch\'s augmentation slot), so the cache would be '
            'built for a config that cannot use it. Add it, then build.')
    # Which global generators the pipeline draws from: training then seeds only those.
    replay.track_generators = True
    algorithm = MODELS.build(with_model_scope(model_cfg))
    teacher = algorithm.teachers_by_name().get('teacher')
    if teacher is None or teacher.policy != 'frozen' or not teacher.runs:
        raise KDConfigError('a teacher cache is built from a frozen teacher (model.teacher, '
                            'model.teacher_ckpt)')
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    # What training from the cache will check, before hours of teacher passes.
    fields = cache_fields(teacher, algorithm, options)
    algorithm.to(device).eval()
    # one sample through the teacher says how many classes its logits have
    probe = algorithm.data_preprocessor(pseudo_collate([replay[(0, 0)]]), False)
    num_classes = int(teacher_logits_for_cache(algorithm, probe['inputs'], probe['data_samples'],
                                               options['recorder']).shape[-1])
    writer = TeacherCacheWriter(options['dir'], dict(
        fields, data=replay.describe(), num_slots=replay.num_slots, num_samples=len(replay),
        num_classes=num_classes, dtype=options['dtype'],
        teacher_lean=teacher.lean or None))
    state = writer.prepare(overwrite) if rank == 0 else None
    _barrier()
    written = writer.open()
    pairs = shard(replay.num_slots, len(replay), rank, world_size, written)
    loader_cfg = cfg.train_dataloader
    loader = DataLoader(
        _Entries(replay, pairs), batch_size=batch_size or loader_cfg.get('batch_size', 64),
        num_workers=loader_cfg.get('num_workers', 0) if num_workers is None else num_workers,
        collate_fn=pseudo_collate, shuffle=False)
    start = time.time()
    progress = _Progress(len(pairs), replay.num_slots * len(replay), options['dir'], device,
                         world_size, loader.batch_size) if rank == 0 else None
    drawn = set()
    for batch in loader:
        data = algorithm.data_preprocessor(batch, False)
        logits = teacher_logits_for_cache(algorithm, data['inputs'], data['data_samples'],
                                          options['recorder'])
        samples = data['data_samples']
        for s in samples:
            drawn.update(s.replay_draws_from)
        writer.write(np.array([s.replay_slot for s in samples]),
                     np.array([s.sample_idx for s in samples]),
                     np.array([s.replay_fingerprint for s in samples], dtype=np.int64), logits)
        if progress is not None:
            progress.update(len(samples) * world_size)
    writer.flush()
    seconds = time.time() - start
    if world_size > 1:
        from mmengine.dist import all_gather_object
        drawn = set().union(*all_gather_object(drawn))
    if state == 'continue':  # the entries of the earlier, interrupted build were not seen
        drawn = set(ALL_GENERATORS)
    _barrier()
    if rank == 0:
        if state != 'complete':
            writer.finish(dict(build_seconds=round(seconds, 3), build_processes=world_size,
                               entry_bytes=entry_bytes(writer.meta),
                               replay_generators=sorted(drawn)))
        meta = read_meta(options['dir'])
        print(f'\nteacher cache {options["dir"]}: {meta["num_slots"]} slots x '
              f'{meta["num_samples"]} samples, {meta["entry_bytes"]} bytes per entry, '
              f'built in {meta.get("build_seconds", 0):.1f} s by '
              f'{meta.get("build_processes", 1)} process(es)'
              + (' (already complete)' if state == 'complete' else ''))
    _barrier()
    return read_meta(options['dir'])
