"""The base of metrics that compare the student's predictions with another model's."""
from typing import Sequence

from mmengine.evaluator import BaseMetric


class ModelComparisonMetric(BaseMetric):
    """A metric over the student's predictions and those of other models of the algorithm
    (a teacher, a peer), on the same samples.

    ``DistillValLoop`` / ``DistillTestLoop`` see this base class and have the algorithm
    attach each compared model's class probabilities to the student's predicted samples as
    ``<name>_pred_score`` (``BaseAlgorithm.compared_with``); a subclass reads them in
    :meth:`process`. With MMEngine's own loops, or without the model, :meth:`scores_of`
    says what is missing.

    Args:
        models (Sequence[str]): the models compared with the student, by the names the
            algorithm gives them (``'teacher'``, a teacher's name in ``model.teachers``).
        collect_device, prefix: see MMEngine's ``BaseMetric``.
    """

    def __init__(self, models: Sequence[str] = ('teacher', ), collect_device: str = 'cpu',
                 prefix=None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(models, str):
            models = [models]
        self.compared_models = tuple(models)

    def scores_of(self, sample: dict, name: str):
        """The attached class probabilities of model ``name`` for one predicted sample."""
        key = f'{name}_pred_score'
        if key not in sample:
            from mmkd.utils.config_errors import KDConfigError
            raise KDConfigError(
                f'{type(self).__name__} compares the student with {name!r}, and the '
                f'predictions carry no {key}: use val_cfg=dict(type=\'DistillValLoop\') (and '
                'test_cfg=dict(type=\'DistillTestLoop\')) with a distillation algorithm that '
                f'has the model {name!r}.')
        return sample[key]
