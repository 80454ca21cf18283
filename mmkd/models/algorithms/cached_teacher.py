"""A frozen teacher replaced by its cached outputs: what ``SingleTeacherDistill(teacher_cache=...)``
reads each step instead of running the teacher."""
from typing import Optional

import torch
import torch.nn as nn

from mmkd.utils.config_errors import KDConfigError
from ..utils.model_builder import build_data_preprocessor
from ..utils.teacher_output_cache import (TeacherOutputCache, check_cache_options,
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

    def record(self, distiller, data_samples, device) -> None:
        """Put this batch's cached logits into the teacher recorder, as a pass would (and, as
        for a pass, only when a loss of this step reads it)."""
        recorder = distiller.sources['teacher'].get_recorder(self.recorder)
        distiller.record('teacher',
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
        if not getattr(loss, 'accepts_topk_teacher', False):
            raise KDConfigError(
                f'model.distiller.distill_losses.{name} ({type(loss).__name__}) needs the '
                f"teacher's full logits, and the cache stores only the top-{topk} "
                f'probabilities. Build the cache with {KEY}.full_logits=True (then read it '
                'with full_logits=True), or use a loss that takes top-k targets '
                '(KLDivergence, HardLabelKD, KDPartialTopK).')
        needed = getattr(loss, 'k', 0)  # a loss on the teacher's top k classes (KDPartialTopK)
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


def check_cache_config(algorithm: nn.Module, options: dict, teacher_cfg,
                       teacher_data_preprocessor: Optional[dict]) -> nn.Module:
    """Everything a run reading a cache checks about its own config, before any cache is
    read: a frozen teacher in eval mode given as a config, only the cached teacher recorder,
    losses that take what the cache stores, no batch augments. The cache builder checks the
    same before it builds, so it never builds a cache that training then refuses. Returns
    the preprocessor whose normalisation the teacher's inputs have."""
    if algorithm.teacher_policy != 'frozen' or algorithm.teacher_norm_train:
        raise KDConfigError(f'{KEY} is for a frozen teacher in eval mode (model.teacher_policy='
                            f'{algorithm.teacher_policy!r}, teacher_norm_train='
                            f'{algorithm.teacher_norm_train})')
    if isinstance(teacher_cfg, nn.Module):
        raise KDConfigError(f'{KEY} needs model.teacher as a config (it is compared with the '
                            'one the cache was built from), not a module')
    check_cacheable(algorithm.distiller, options['recorder'], options['topk'])
    return cache_preprocessor(algorithm, teacher_data_preprocessor)


def open_teacher_cache(algorithm: nn.Module, cfg: dict, teacher_cfg, teacher_ckpt: Optional[str],
                       teacher_data_preprocessor: Optional[dict]) -> CachedTeacher:
    """Check ``model.teacher_cache`` against the algorithm and open the cache it names."""
    options = check_cache_options(cfg, KEY)
    preprocessor = check_cache_config(algorithm, options, teacher_cfg, teacher_data_preprocessor)
    recorder = algorithm.distiller.sources['teacher'].get_recorder(options['recorder'])
    # The teacher checkpoint need not be on disk: the cache holds its outputs, and a file
    # there that differs from the one it was built from only warns.
    expected = teacher_cache_fields(teacher_cfg, teacher_ckpt, preprocessor, recorder, options)
    expected['teacher_ckpt'] = teacher_ckpt
    return CachedTeacher(TeacherOutputCache(options, expected), options['recorder'])


def teacher_logits_for_cache(algorithm: nn.Module, inputs: torch.Tensor, data_samples,
                             recorder: str) -> torch.Tensor:
    """One pass of a live algorithm's frozen teacher; the record the cache stores."""
    teacher_inputs = algorithm.model_inputs('teacher', inputs)
    with torch.no_grad():
        algorithm.record_frozen_teacher(teacher_inputs, data_samples)
    logits = algorithm.distiller.sources['teacher'].get_recorder(recorder).get_record_data(0)
    algorithm.distiller.reset_records()
    return logits
