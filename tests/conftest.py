import os
import sys

import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Two test workers share two cores: one thread each keeps them from fighting.
torch.set_num_threads(1)


@pytest.fixture(scope='session')
def teacher_ckpt(tmp_path_factory):
    """A checkpoint of the digits teacher (random weights are enough for mechanics)."""
    from helpers import build_classifier, TEACHER
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save({'state_dict': build_classifier(TEACHER).state_dict()}, path)
    return str(path)


@pytest.fixture(autouse=True)
def _forget_mmengine_instances():
    """Drop the loggers, visualizers and scopes a test's runners created.

    MMEngine keeps them in process-wide registries keyed by the experiment name
    ``<config stem>_<timestamp>``: a second runner of the same config built in the same
    second gets the first one's visualizer, whose folder may already be gone.
    """
    from mmengine.utils import ManagerMixin

    def kinds(cls=ManagerMixin):
        for sub in cls.__subclasses__():
            yield sub
            yield from kinds(sub)

    before = {kind: set(kind._instance_dict) for kind in kinds()}
    yield
    for kind in kinds():
        for name in set(kind._instance_dict) - before.get(kind, set()):
            instance = kind._instance_dict.pop(name)
            for handler in getattr(instance, 'handlers', ())[:]:
                handler.close()
                instance.removeHandler(handler)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``long`` (a minute or more) go first: the workers then get them at the
    start and finish together, instead of one of them running a long test at the end."""
    items.sort(key=lambda item: item.get_closest_marker('long') is None)
