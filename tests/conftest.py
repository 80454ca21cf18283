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
