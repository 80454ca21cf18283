"""How hooks find an algorithm's distillation losses: through its distillers, by name."""
from typing import Dict, Iterable, List, Tuple

from mmkd.utils.config_errors import KDConfigError, suggest
from mmkd.utils.dist_utils import unwrap_model


def distilling_algorithm(runner, who: str):
    """The runner's algorithm, which must have at least one distiller (``who`` needs it)."""
    from mmkd.models.algorithms import BaseAlgorithm
    model = unwrap_model(runner.model)
    if not isinstance(model, BaseAlgorithm) or not model.distillers():
        raise KDConfigError(f'{who} needs a distillation algorithm (model.type such as '
                            f'SingleTeacherDistill) with a distiller; the model is '
                            f'{type(model).__name__}')
    return model


def loss_names(model) -> List[str]:
    """Every distillation loss of the algorithm, by the name hooks use: the loss's name, or
    ``<distiller>.<loss>`` for a distiller other than ``'distiller'``."""
    return [name if d == 'distiller' else f'{d}.{name}'
            for d, distiller in model.distillers().items() for name in distiller.distill_losses]


def resolve_loss(model, name: str, where: str) -> Tuple[str, str]:
    """(distiller name, loss name) of the loss a hook config names: ``loss`` when one
    distiller holds it, or ``<distiller>.<loss>``."""
    distillers = model.distillers()
    head, dot, tail = name.partition('.')
    if dot and head in distillers:
        if tail in distillers[head].distill_losses:
            return head, tail
    else:
        holders = [d for d, distiller in distillers.items() if name in distiller.distill_losses]
        if len(holders) == 1:
            return holders[0], name
        if holders:
            raise KDConfigError(f'{where}: the distillers {holders} all have a loss {name!r}; '
                                f'name it as one of {[f"{d}.{name}" for d in holders]}')
    raise KDConfigError(f'{where}: no such loss in model.distiller.distill_losses. '
                        + suggest(name, loss_names(model)))


def factors_by_distiller(model, factors: Dict[str, float], where: str
                         ) -> Dict[str, Dict[str, float]]:
    """``loss name -> factor`` (names as hooks give them) grouped by distiller."""
    grouped: Dict[str, Dict[str, float]] = {}
    for name, factor in factors.items():
        distiller, loss = resolve_loss(model, name, f'{where}.{name}')
        grouped.setdefault(distiller, {})[loss] = factor
    return grouped


def drop_stale_loss_logs(runner, model) -> None:
    """MMEngine logs every scalar it has seen: drop the entries of losses switched off at
    this step, so they do not repeat their last value."""
    from mmkd.models.algorithms.base_algorithm import loss_log_prefix
    for name, distiller in model.distillers().items():
        for loss, factor in distiller.loss_weight_factors.items():
            if factor == 0:
                runner.message_hub.log_scalars.pop(f'train/{loss_log_prefix(name)}.{loss}', None)


def active_losses(model) -> Iterable[str]:
    return [loss for distiller in model.distillers().values()
            for loss in distiller.active_losses()]
