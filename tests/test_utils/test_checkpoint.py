import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from mmkd.utils import UnsafeCheckpointError, allow_checkpoint_types, load_checkpoint_file


class _Payload:

    def __reduce__(self):
        return (os.system, ('echo should-not-run',))


def test_pickled_code_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': _Payload()}, path)
    with pytest.raises(UnsafeCheckpointError, match=r'Refused to load .*evil\.pth.*system'):
        load_checkpoint_file(str(path))
    # MMEngine's own loader (used by the runner and load_checkpoint) goes through it too.
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path))


def test_mmengine_checkpoint_contents_load_weights_only(tmp_path):
    buf = HistoryBuffer()
    for v in (0.5, 0.25):
        buf.update(v)
    ckpt = dict(state_dict={'w': torch.ones(2)}, message_hub=dict(log_scalars={'train/lr': buf}),
                meta=dict(epoch=3, seed=np.int64(7), dataset_meta=dict(classes=('a', 'b'))),
                extra=np.arange(3, dtype=np.float32))
    path = tmp_path / 'ok.pth'
    torch.save(ckpt, path)
    loaded = _load_checkpoint(str(path))
    assert loaded['message_hub']['log_scalars']['train/lr'].mean() == pytest.approx(0.375)
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['extra'], np.arange(3))


class _UserData:

    def __init__(self, v=0):
        self.v = v


def test_allow_list_can_be_extended_with_data_types(tmp_path):
    path = tmp_path / 'user.pth'
    torch.save({'x': _UserData(5)}, path)
    with pytest.raises(UnsafeCheckpointError, match='allow_checkpoint_types'):
        load_checkpoint_file(str(path))
    allow_checkpoint_types([_UserData])
    assert load_checkpoint_file(str(path))['x'].v == 5
    with pytest.raises(FileNotFoundError):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))


@pytest.mark.parametrize('umask,mode', [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_checkpoints_are_written_with_the_umask_s_mode(tmp_path, umask, mode):
    import os
    from mmkd.utils.checkpoint import save_checkpoint_file
    old = os.umask(umask)
    try:
        save_checkpoint_file({'state_dict': {}}, str(tmp_path / 'ckpt.pth'))
    finally:
        os.umask(old)
    assert os.stat(tmp_path / 'ckpt.pth').st_mode & 0o777 == mode
