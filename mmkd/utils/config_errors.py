"""The error type for configs that cannot train what they say, and name suggestions."""
import difflib
from typing import Iterable


class KDConfigError(ValueError):
    """A config value is wrong. The message names the config key at fault and what is valid."""


def suggest(name: str, candidates: Iterable[str], limit: int = 20) -> str:
    """A sentence that points from a misspelt ``name`` to the closest valid ones.

    Close matches come first; when there are none, up to ``limit`` valid names are listed.
    """
    candidates = sorted(set(str(c) for c in candidates))
    if not candidates:
        return 'There is nothing valid to choose from here.'
    close = difflib.get_close_matches(str(name), candidates, n=5, cutoff=0.5)
    if close:
        return 'Did you mean ' + ', '.join(repr(c) for c in close) + '?'
    shown = ', '.join(repr(c) for c in candidates[:limit])
    more = f' (and {len(candidates) - limit} more)' if len(candidates) > limit else ''
    return f'Valid: {shown}{more}.'


def check_keys(cfg: dict, valid: Iterable[str], where: str) -> None:
    """Refuse a key of ``cfg`` that is not in ``valid``, naming it, ``where`` it is and the
    closest valid key."""
    valid = list(valid)
    unknown = [k for k in cfg if k not in valid]
    if unknown:
        raise KDConfigError(f'{where}: unknown key {unknown[0]!r}; valid keys are {valid}. '
                            + suggest(unknown[0], valid))
