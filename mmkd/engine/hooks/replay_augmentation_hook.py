"""Tells a ``ReplayableDataset`` which epoch is being trained, and checks a teacher cache
against it."""
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmkd.datasets.replayable_dataset import find_replayable
from mmkd.models.algorithms import BaseAlgorithm
from mmkd.registry import HOOKS
from mmkd.utils.config_errors import KDConfigError
from mmkd.utils.dist_utils import unwrap_model


@HOOKS.register_module()
class ReplayAugmentationHook(Hook):
    """Sets the epoch of the training set's ``ReplayableDataset`` before every epoch (so the
    augmentation of epoch e is slot ``e % num_slots``), also after a resume, where the
    runner continues at the epoch of the checkpoint.

    Before training it checks that the training set is replayable and, when the model reads
    its teacher's outputs from a cache (``SingleTeacherDistill(teacher_cache=...)``), that the
    cache was built on this dataset, pipeline, replay seed and number of slots, and has the
    dataset seed only the global generators its pipeline drew from when the cache was built.

    Example::

        train_dataloader = dict(dataset=dict(type='ReplayableDataset', seed=0, num_slots=40,
                                             dataset=dict(type='DigitsDataset', ...)))
        custom_hooks = [dict(type='ReplayAugmentationHook')]
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop):
            raise KDConfigError(
                'ReplayAugmentationHook needs epoch-based training (train_cfg.by_epoch=True): '
                'an augmentation slot is one pass over the training set')
        dataset = find_replayable(loop.dataloader.dataset)
        if dataset is None:
            raise KDConfigError(
                'ReplayAugmentationHook: train_dataloader.dataset is '
                f'{type(loop.dataloader.dataset).__name__}, not a ReplayableDataset; wrap it: '
                "dataset=dict(type='ReplayableDataset', seed=0, dataset=...)")
        self._dataset = dataset
        model = unwrap_model(runner.model)
        teachers = model.teachers_by_name() if isinstance(model, BaseAlgorithm) else {}
        for teacher in teachers.values():
            if teacher.cache is not None:
                teacher.cache.check_dataset(dataset.describe())
                # The same inputs for less: seed only what the pipeline drew from at the build.
                dataset.use_generators(teacher.cache.replay_generators)

    def before_train_epoch(self, runner) -> None:
        self._dataset.set_epoch(runner.epoch)
