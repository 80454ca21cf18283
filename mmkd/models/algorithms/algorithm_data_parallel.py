"""The DDP wrapper of an mmkd algorithm."""
from mmengine.model import MMDistributedDataParallel

from mmkd.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class AlgorithmDataParallel(MMDistributedDataParallel):
    """MMEngine's ``MMDistributedDataParallel``, except that a training step is the
    algorithm's own ``train_step``.

    MMEngine's wrapper runs its own copy of the default step (one forward, one update) and
    never calls the model's ``train_step``: under it, an algorithm with its own step (a
    generator's and a student's updates, DOT's two loss parts, several optimizers) would
    silently train as the default one. Here the algorithm's step runs, and its forward passes
    go through this wrapper (``BaseAlgorithm.step_model``), which is what makes DDP
    average the gradients of each backward across processes.

    ``KDRunner`` uses it for every mmkd algorithm in a distributed run whose config names
    MMEngine's wrapper or none (``model_wrapper_cfg`` with its arguments is kept), and turns
    on ``find_unused_parameters`` for an algorithm whose steps leave parameters without
    gradients in some passes (``unused_parameters_in_steps``).
    """

    def train_step(self, data, optim_wrapper):
        with self.module.stepping_through(self):
            return self.module.train_step(data, optim_wrapper)
