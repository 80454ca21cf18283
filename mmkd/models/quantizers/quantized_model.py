"""A model whose layers train fake-quantized: the quantized student of a distillation config."""
import weakref
from typing import Optional, Union

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from ..utils.model_builder import build_model
from .brevitas_quantizer import import_brevitas

STATE_NAME = 'quantizer_state'


class QuantizerState(nn.Module):
    """Checkpoints the state of a quantized model that Brevitas leaves out of its state dict.

    Brevitas initialises each activation scale from the statistics of the first training steps.
    Its state dict keeps neither the step counter nor the running statistics (it saves them
    folded into the scale, and marks the scale as initialised when it loads one), so a run
    resumed during that phase would stop collecting and train differently from an uninterrupted
    one. This module saves, as its extra state, each such scale's counter, running statistics and
    raw parameter, and puts them back after the rest of the model has loaded (it is the model's
    last child, so PyTorch loads it last).

    It also keeps the model's parameters the same objects while a checkpoint loads. Brevitas
    rebuilds its quantizers on every load (``REINIT_ON_STATE_DICT_LOAD``), with new scale
    parameters; MMEngine builds the optimizer before it resumes, which would then step the
    discarded parameters and never the learned scales. The rebuild exists for quantizers that
    derive state from the loaded weights once; those :class:`BrevitasQuantizer` makes read the
    weights at every step.
    """

    def __init__(self, owner: nn.Module, hook: bool = True) -> None:
        super().__init__()
        # A weak reference: a module attribute would make the owner its own grandchild.
        self._owner = weakref.ref(owner)
        self._rebuild = None
        if hook:
            owner.register_load_state_dict_pre_hook(self._before_load)

    def _before_load(self, *args, **kwargs) -> None:
        from brevitas import config
        self._rebuild, config.REINIT_ON_STATE_DICT_LOAD = config.REINIT_ON_STATE_DICT_LOAD, False

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        try:
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                          missing_keys, unexpected_keys, error_msgs)
            # Brevitas leaves a scale out of the state dict until its first training step; the
            # extra state holds every scale's raw value, so none is missing.
            owner = prefix[:-len(STATE_NAME) - 1]
            if prefix + '_extra_state' in state_dict:
                for name, _ in self._scales():
                    if owner + name + '.value' in missing_keys:
                        missing_keys.remove(owner + name + '.value')
        finally:
            if self._rebuild is not None:
                from brevitas import config
                config.REINIT_ON_STATE_DICT_LOAD, self._rebuild = self._rebuild, None

    def __deepcopy__(self, memo):
        # A copy of the owner (an EMA copy, a deployment copy) gets a state of its own.
        # The copied owner is still being built; its copied hooks come bound to this copy.
        owner = self._owner()
        return QuantizerState(memo.get(id(owner), owner), hook=False)

    def _scales(self):
        from brevitas.core.scaling.standalone import ParameterFromRuntimeStatsScaling
        return [(n, m) for n, m in self._owner().named_modules()
                if isinstance(m, ParameterFromRuntimeStatsScaling)]

    def get_extra_state(self) -> torch.Tensor:
        # One float64 tensor (counters are exact in it): MMEngine broadcasts every state-dict
        # entry as a tensor when a distributed run starts. Per scale, in module order:
        # [counter, statistics..., raw value...].
        parts = [torch.zeros(0, dtype=torch.float64)]
        for _, m in self._scales():
            parts += [torch.tensor([float(m.counter)], dtype=torch.float64),
                      m.buffer.detach().double().flatten(), m.value.detach().double().flatten()]
        return torch.cat(parts)

    def set_extra_state(self, state: torch.Tensor) -> None:
        scales = [m for _, m in self._scales()]
        sizes = [1 + m.buffer.numel() + m.value.numel() for m in scales]
        if state.numel() != sum(sizes):
            raise KDConfigError('the checkpoint was saved with other quantized layers than the '
                                "config's quantizer makes (check quantizer.float_layers)")
        with torch.no_grad():
            for scale, chunk in zip(scales, state.split(sizes)):
                n = scale.buffer.numel()
                scale.counter = int(chunk[0])
                scale.buffer.copy_(chunk[1:1 + n].view_as(scale.buffer))
                scale.value.copy_(chunk[1 + n:].view_as(scale.value))


@MODELS.register_module()
def QuantizedModel(model: Union[dict, nn.Module], quantizer: dict,  # noqa: N802
                   data_preprocessor: Optional[dict] = None) -> nn.Module:
    """Build ``model`` and quantize it for quantization-aware training.

    The result is ``model`` itself (an mmpretrain classifier keeps its class, module names and
    recorder paths) with fake-quantized layers and a :class:`QuantizerState` child named
    ``quantizer_state``. A config names it like a model type::

        architecture=dict(type='mmkd.QuantizedModel', model=student_model,
                          quantizer=dict(type='BrevitasQuantizer', weight_bits=4))

    "The student is the teacher, quantized": give ``model`` the teacher's architecture and
    ``init_cfg=dict(type='Pretrained', checkpoint=TEACHER_CKPT)``. MMEngine applies it when
    training starts, after the layers were replaced (the float weights load into the quantized
    layers, whose scales then start from those weights); a resumed run loads its own checkpoint
    after it.

    Args:
        model (dict | nn.Module): the model config (any mmpretrain classifier).
        quantizer (dict): a quantizer config, e.g. ``dict(type='BrevitasQuantizer', ...)``.
        data_preprocessor (dict, optional): the model's data preprocessor (given here by
            ``mmkd-extract-student``'s config, as for any classifier); overrides ``model``'s.
    """
    import_brevitas()
    if not isinstance(quantizer, dict) or 'type' not in quantizer:
        raise KDConfigError('QuantizedModel.quantizer must be a config dict with a "type", e.g. '
                            f"dict(type='BrevitasQuantizer', weight_bits=4); got {quantizer!r}")
    if data_preprocessor is not None and isinstance(model, dict):
        model = dict(model, data_preprocessor=data_preprocessor)
    built = build_model(model, 'model.architecture.model')
    MODELS.build(quantizer).quantize(built)
    built.add_module(STATE_NAME, QuantizerState(built))
    return built
