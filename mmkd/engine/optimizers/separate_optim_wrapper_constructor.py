"""One optimizer per part of an algorithm (a student and a generator, a student and a
discriminator), as MMEngine's ``OptimWrapperDict``."""
from typing import Dict, List

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from mmkd.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.dist_utils import unwrap_model


class _Parts(nn.Module):
    """Some submodules of a model under their own paths (so parameter names, and
    ``paramwise_cfg.custom_keys``, read as in the whole model)."""

    def __init__(self, model: nn.Module, paths: List[str]) -> None:
        super().__init__()
        for path in paths:
            parent = self
            *outer, leaf = path.split('.')
            for name in outer:
                if name not in parent._modules:
                    parent.add_module(name, nn.Module())
                parent = parent._modules[name]
            parent.add_module(leaf, model.get_submodule(path))


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SeparateOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict``: one optimizer wrapper per name, each over some
    top-level parts of the algorithm, for an algorithm whose own ``train_step`` steps them
    separately (``optim_wrapper['generator'].update_params(...)``).

    Example::

        optim_wrapper = dict(
            constructor='SeparateOptimWrapperConstructor',
            student=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
                         modules=['architecture', 'distiller']),
            generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
        param_scheduler = dict(student=[...], generator=[...])  # MMEngine's per-name form

    Each entry is an MMEngine optimizer-wrapper config (``type``, ``optimizer``,
    ``paramwise_cfg``, ``clip_grad``, ...) plus ``modules``: the parts of the algorithm it
    optimizes, as top-level children or module paths
    (``'distiller.distill_losses.loss_adv'``; default: the child named like the entry). Every parameter that
    requires gradients must belong to exactly one entry: one that no optimizer would update,
    or that two would, is a config error naming it.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if paramwise_cfg is not None:
            raise KDConfigError('optim_wrapper.paramwise_cfg: give it inside each entry of a '
                                'SeparateOptimWrapperConstructor config')
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise KDConfigError('optim_wrapper: SeparateOptimWrapperConstructor needs '
                                'name -> optimizer wrapper config entries')
        self.cfgs = dict(optim_wrapper_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = unwrap_model(model)  # a model wrapper's (DDP) parts are the inner model's
        children = dict(model.named_modules())
        owner: Dict[str, str] = {}
        wrappers = {}
        for name, cfg in self.cfgs.items():
            key = f'optim_wrapper.{name}'
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise KDConfigError(f'{key} must be an optimizer wrapper config with an '
                                    f'"optimizer", got {cfg!r}')
            cfg = dict(cfg)  # popped below; the constructor's own config stays whole
            modules = cfg.pop('modules', [name])
            if isinstance(modules, str):
                modules = [modules]
            for module in modules:
                if not module or module not in children:
                    raise KDConfigError(f'{key}.modules: {type(model).__name__} has no part '
                                        f'{module!r}. ' + suggest(module, [
                                            n for n in children if n]))
                for param_name, param in children[module].named_parameters():
                    if not param.requires_grad:
                        continue
                    full = f'{module}.{param_name}'
                    if full in owner:
                        raise KDConfigError(f'{key}.modules: {full} is also optimized by '
                                            f'optim_wrapper.{owner[full]}')
                    owner[full] = name
            paramwise = cfg.pop('paramwise_cfg', None)
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                _Parts(model, list(modules)))
        orphans = [n for n, p in model.named_parameters() if p.requires_grad and n not in owner]
        if orphans:
            raise KDConfigError(
                f'optim_wrapper: {len(orphans)} trainable parameter(s) of '
                f'{type(model).__name__} have no optimizer (e.g. {orphans[0]}); add their part '
                f'to the modules of one of {list(self.cfgs)}')
        return OptimWrapperDict(**wrappers)
