"""Input checks shared by the losses."""
import torch

REDUCTIONS = ('batchmean', 'sum', 'mean', 'none')


def check_same_shape(preds_S: torch.Tensor, preds_T: torch.Tensor, loss: str) -> None:
    """Refuse inputs of different shapes instead of letting them broadcast silently."""
    if preds_S.shape != preds_T.shape:
        raise ValueError(
            f'{loss} needs preds_S and preds_T of the same shape, got {tuple(preds_S.shape)} '
            f'(student) and {tuple(preds_T.shape)} (teacher). Map the student input through a '
            'connector that outputs the teacher shape.')


def check_choice(name: str, value, choices, owner: str) -> None:
    if value not in choices:
        raise ValueError(f'{owner}.{name}={value!r} is not valid; choose one of {list(choices)}')


def check_positive(name: str, value: float, owner: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f'{owner}.{name} must be a positive number, got {value!r}')
