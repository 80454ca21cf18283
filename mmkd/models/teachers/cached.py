"""A frozen teacher replaced by its cached outputs (a teacher with policy ``'cached'``, e.g.
``SingleTeacherDistill(teacher_cache=...)``): what it reads each step instead of running."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError
from ..utils.model_builder import build_data_preprocessor
from .needs import teacher_needs
from .output_cache import (TeacherOutputCache, check_cache_options,
                                          teacher_cache_fields)

KEY = 'model.teacher_cache'


class CachedTeacher:
    """Serves the cache's logits as the records of one teacher recorder.

    Args:
        cache (TeacherOutputCache): the opened cache.
        recorder (str): the teacher recorder it fills.
    """

    def __init__(self, cache: TeacherOutputCache, recorder: str) -> None:
        self.cache, self.recorder = cache, recorder

    def check_dataset(self, description: dict) -> None:
        self.cache.check_dataset(description)

    @property
    def replay_generators(self):
        """The global generators the training pipeline drew from when the cache was built
        (all of them for a cache whose build was interrupted and continued)."""
        from mmkd.datasets.replayable_dataset import ALL_GENERATORS
        return self.cache.meta.get('replay_generators', ALL_GENERATORS)

    def record(self, distiller, source: str, data_samples, device) -> None:
        """Put this batch's cached logits into the recorder of ``source``, as a pass would
        (and, as for a pass, only when a loss of this step reads it)."""
        recorder = distiller.sources[source].get_recorder(self.recorder)
        distiller.record(source,
                         lambda: recorder.append(self.cache.lookup(data_samples, device)))


def check_cacheable(distiller, recorder: str, topk: Optional[int]) -> None:
    """A cache holds one teacher recorder's logits: refuse other teacher records, and losses
    that need the teacher's full logits when only the top-k were stored."""
    teacher = distiller.sources.get('teacher')
    if teacher is None or set(distiller.sources) != {'student', 'teacher'}:
        raise KDConfigError(f'{KEY} serves one teacher (record source "teacher"); the '
                            f'distiller has sources {list(distiller.sources)}')
    others = [n for n in teacher.recorders if n != recorder]
    if recorder not in teacher.recorders:
        raise KDConfigError(
            f'{KEY}.recorder={recorder!r}: no such teacher recorder; the teacher recorders are '
            f'{list(teacher.recorders)}')
    if others:
        raise KDConfigError(
            f'model.distiller.teacher_recorders.{others[0]}: with {KEY} the teacher does not '
            f'run, and only its recorder {recorder!r} (the logits) is served from the cache. '
            'Feature and relation losses need the live teacher: remove teacher_cache, or '
            'remove this recorder and the losses that read it.')
    if topk is None:
        return
    for name, mapping in distiller.loss_forward_mappings.items():
        if not any('teacher' in spec['sources'] for spec in mapping.values()):
            continue
        loss = distiller.distill_losses[name]
        needed = teacher_needs(loss).topk
        if needed is None:
            raise KDConfigError(
                f'model.distiller.distill_losses.{name} ({type(loss).__name__}) needs the '
                f"teacher's full logits, and the cache stores only the top-{topk} "
                f'probabilities. Build the cache with {KEY}.full_logits=True (then read it '
                'with full_logits=True), or use a loss that takes top-k targets '
                '(KLDivergence, HardLabelKD, KDPartialTopK).')
        if needed > topk:
            raise KDConfigError(
                f'model.distiller.distill_losses.{name}: {type(loss).__name__}(k={needed}) '
                f'needs the teacher\'s top {needed} classes; the cache has {KEY}.topk={topk}')


def cache_preprocessor(algorithm: nn.Module,
                       teacher_data_preprocessor: Optional[dict]) -> nn.Module:
    """The preprocessor whose normalisation the teacher's inputs have."""
    preprocessor = algorithm.data_preprocessor
    if getattr(preprocessor, 'batch_augments', None) is not None:
        raise KDConfigError(
            f'{KEY}: model.data_preprocessor has batch_augments (Mixup/CutMix), which mix the '
            'samples of a batch and cannot be replayed per sample; a cache cannot serve them. '
            'Remove teacher_cache or the batch augments.')
    if teacher_data_preprocessor is not None:
        return build_data_preprocessor(teacher_data_preprocessor,
                                       'model.teacher_data_preprocessor')
    return preprocessor


def check_cache_config(teacher, algorithm: nn.Module, options: dict) -> nn.Module:
    """Everything a run reading a cache checks about its own config, before any cache is
    read: a frozen teacher in eval mode given as a config, only the cached teacher recorder,
    losses that take what the cache stores, no batch augments. The cache builder checks the
    same (on the live teacher it builds the cache from), so it never builds a cache that
    training then refuses. Returns the preprocessor whose normalisation the teacher's
    inputs have."""
    if teacher.policy not in ('frozen', 'cached') or teacher.norm_train:
        raise KDConfigError(f'{KEY} is for a frozen teacher in eval mode (model.teacher_policy='
                            f'{teacher.policy!r}, teacher_norm_train={teacher.norm_train})')
    if isinstance(teacher.model_cfg, nn.Module):
        raise KDConfigError(f'{KEY} needs model.teacher as a config (it is compared with the '
                            'one the cache was built from), not a module')
    check_cacheable(algorithm.distiller, options['recorder'], options['topk'])
    return cache_preprocessor(algorithm, teacher.preprocessor_cfg)


def cache_fields(teacher, algorithm: nn.Module, options: dict) -> dict:
    """What a cache built from ``teacher`` records of it, checked when a run reads it."""
    preprocessor = check_cache_config(teacher, algorithm, options)
    recorder = algorithm.distiller.sources[teacher.name].get_recorder(options['recorder'])
    return teacher_cache_fields(teacher.model_cfg, teacher.ckpt, preprocessor, recorder,
                                options)


def open_teacher_cache(teacher, algorithm: nn.Module) -> CachedTeacher:
    """Check a cached teacher's ``cache`` against the algorithm and open the cache it names."""
    options = check_cache_options(teacher.cache_cfg, KEY)
    # The teacher checkpoint need not be on disk: the cache holds its outputs, and a file
    # there that differs from the one it was built from only warns.
    expected = cache_fields(teacher, algorithm, options)
    expected['teacher_ckpt'] = teacher.ckpt
    return CachedTeacher(TeacherOutputCache(options, expected), options['recorder'])


def teacher_logits_for_cache(algorithm: nn.Module, inputs: torch.Tensor, data_samples,
                             recorder: str) -> torch.Tensor:
    """One pass of a live algorithm's frozen teacher; the record the cache stores."""
    teacher = algorithm.teachers_by_name()['teacher']
    with torch.no_grad():
        teacher.record(algorithm.distiller, algorithm.model_inputs('teacher', inputs),
                       data_samples)
    logits = algorithm.distiller.sources['teacher'].get_recorder(recorder).get_record_data(0)
    algorithm.distiller.reset_records()
    return logits
