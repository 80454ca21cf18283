"""What a loss or a connector needs from the teachers, declared in one way.

A component declares it with a class attribute (or a property, when it depends on the
instance) named ``teacher_needs`` holding a :class:`TeacherNeeds`; one that declares nothing
needs the teachers' full records and not the teacher models. Who reads it:

* a teacher-output cache that stores only the top-k probabilities
  (``teacher_cache=dict(topk=k)``) serves a loss only if ``topk`` says it can work from them
  and with at most k classes;
* the distiller hands the loaded teacher models (``name -> nn.Module``) to a connector whose
  ``loaded_teachers`` is True, through its ``init_from_teachers(teachers, key)``, once they
  are built and loaded (e.g. ``OFDTeacherConnector`` computes its margins from them).
"""
from dataclasses import dataclass
from typing import Dict, Optional

from mmkd.utils.config_errors import KDConfigError


@dataclass(frozen=True)
class TeacherNeeds:
    """Args:
        topk (int, optional): None: the loss needs the teacher's full logits (or other
            records). 0: the teacher's top-k probabilities, any k, serve it (e.g. a KL
            divergence towards ``softmax(z_t / tau)``, which a top-k target approximates).
            k > 0: it reads the teacher's k most likely classes, exactly kept by a top-k
            cache of at least k.
        loaded_teachers (bool): the component derives something from the loaded teacher
            models, by ``init_from_teachers(teachers, key)``.
    """
    topk: Optional[int] = None
    loaded_teachers: bool = False


NOTHING_SPECIAL = TeacherNeeds()


def teacher_needs(component) -> TeacherNeeds:
    """What ``component`` declares (see the module's docstring); the default otherwise."""
    needs = getattr(component, 'teacher_needs', NOTHING_SPECIAL)
    if not isinstance(needs, TeacherNeeds):
        raise TypeError(f'{type(component).__name__}.teacher_needs must be a TeacherNeeds, '
                        f'got {needs!r}')
    return needs


def loaded_teacher(teachers: Dict[str, object], name: Optional[str], key: str, reads: str):
    """The teacher a component with ``loaded_teachers`` derives from: the one ``name``
    names (its ``teacher=`` option), or the only one. ``key`` is the component's config key,
    ``reads`` what it reads of the teacher (and how to do without), for messages."""
    if not teachers:
        raise KDConfigError(f'{key} reads {reads}; this teacher is not built (a cached '
                            'teacher)')
    chosen = name if name is not None else next(iter(teachers))
    if chosen not in teachers or (name is None and len(teachers) > 1):
        raise KDConfigError(f'{key}.teacher={name!r}: name one of {list(teachers)}')
    return teachers[chosen]
