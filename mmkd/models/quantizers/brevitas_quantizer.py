"""Fake-quantized weights and activations for quantization-aware training, through Brevitas."""
import copy
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError, suggest

GRANULARITIES = ('per_channel', 'per_tensor')
# The float layers the quantizer replaces, by the name of their Brevitas counterpart.
QUANTIZABLE = {nn.Conv1d: 'QuantConv1d', nn.Conv2d: 'QuantConv2d', nn.Linear: 'QuantLinear'}


def import_brevitas():
    """Brevitas, or an error that says how to install it (it is an optional dependency)."""
    try:
        import brevitas  # noqa: F401
        import brevitas.nn  # noqa: F401
        import brevitas.quant  # noqa: F401
    except ImportError as e:
        # a config error, so that a command ends with this one line
        raise KDConfigError(f'the quantizer (mmkd.QuantizedModel) needs Brevitas ({e}): pip '
                            'install "mmkd[deploy]" (or pip install -r requirements/deploy.txt)'
                            ) from e
    return brevitas


def _positive_bits(value, key: str, allow_none: bool) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 8:
        valid = 'an int from 2 to 8' + (' or None (float)' if allow_none else '')
        raise KDConfigError(f'quantizer.{key} must be {valid}, got {value!r}')
    return value


@MODELS.register_module()
class BrevitasQuantizer:
    """Replaces a model's convolutions and linear layers by Brevitas' fake-quantized ones.

    Quantization-aware training (QAT) of a student as in Mishra & Marr, ICLR 2018
    ("Apprentice") and Polino et al., ICLR 2018 ("Model compression via distillation and
    quantization"): the forward pass rounds each layer's weights to ``weight_bits`` signed
    integers and its input activations to ``act_bits``, the backward pass goes straight through
    the rounding (STE), so the network learns weights that survive the rounding; any mmkd loss
    can distil into it.

    * Weights: symmetric, narrow range, scale from the absolute maximum (per output channel
      or per tensor): ``w_q = s * clamp(round(w / s), -(2^(b-1) - 1), 2^(b-1) - 1)`` with
      ``s = max|w| / (2^(b-1) - 1)``. At 2 bits this is ternary ({-s, 0, s}), as in the
      papers' lowest setting.
    * Activations: each quantized layer's input, signed, per tensor, with a learned scale that
      Brevitas initialises from the running statistics of the first ``act_stats_steps``
      training steps (while it collects, the batch's own statistics quantize, as batch norm
      does).
    * Biases stay float; batch norms stay float in training and are folded into the
      convolutions when the student is exported (:mod:`mmkd.deploy`).

    Differences from the papers: Apprentice quantizes weights with a fixed ``[-1, 1]`` range and
    activations after ReLU unsigned; Polino et al. use a uniform quantizer with bucketing. Here
    the scales follow the weights (absolute maximum) and the activation scales are learned
    (Brevitas' defaults, which its authors validated at 2 to 8 bits).

    Args:
        weight_bits (int): 2 to 8. Defaults to 8.
        act_bits (int, optional): 2 to 8, or None to keep activations float. Defaults to 8.
        weight_granularity (str): ``'per_channel'`` (one scale per output channel; what int8
            runtimes use) or ``'per_tensor'``. Defaults to ``'per_channel'``.
        float_layers (sequence of str): module names (``'head.fc'``) or names of whole parts
            (``'backbone.stem'``) that stay float; each must name a part of the model that
            holds a quantizable layer. Defaults to none.
        act_stats_steps (int): training steps that initialise each activation scale.
            Defaults to 300 (Brevitas').
    """

    def __init__(self, weight_bits: int = 8, act_bits: Optional[int] = 8,
                 weight_granularity: str = 'per_channel', float_layers: Sequence[str] = (),
                 act_stats_steps: int = 300) -> None:
        self.weight_bits = _positive_bits(weight_bits, 'weight_bits', allow_none=False)
        self.act_bits = _positive_bits(act_bits, 'act_bits', allow_none=True)
        if weight_granularity not in GRANULARITIES:
            raise KDConfigError(f'quantizer.weight_granularity must be one of {GRANULARITIES}, '
                                f'got {weight_granularity!r}')
        self.weight_granularity = weight_granularity
        if isinstance(float_layers, str) or not all(isinstance(n, str) for n in float_layers):
            raise KDConfigError('quantizer.float_layers must be a list of module names, got '
                                f'{float_layers!r}')
        self.float_layers = list(float_layers)
        if isinstance(act_stats_steps, bool) or not isinstance(act_stats_steps, int) \
                or act_stats_steps < 1:
            raise KDConfigError(f'quantizer.act_stats_steps must be a positive int, got '
                                f'{act_stats_steps!r}')
        self.act_stats_steps = act_stats_steps

    def _layer_map(self) -> Dict[type, tuple]:
        import_brevitas()
        import brevitas.nn as qnn
        from brevitas.quant import (Int8ActPerTensorFloat, Int8WeightPerChannelFloat,
                                    Int8WeightPerTensorFloat)
        weight = (Int8WeightPerChannelFloat if self.weight_granularity == 'per_channel'
                  else Int8WeightPerTensorFloat).let(bit_width=self.weight_bits)
        act = None if self.act_bits is None else Int8ActPerTensorFloat.let(
            bit_width=self.act_bits, collect_stats_steps=self.act_stats_steps)
        kwargs = dict(input_quant=act, weight_quant=weight, bias_quant=None,
                      return_quant_tensor=False)
        return {cls: (getattr(qnn, name), kwargs) for cls, name in QUANTIZABLE.items()}

    def _check_float_layers(self, model: nn.Module) -> None:
        names = dict(model.named_modules())
        holders = {n for n, m in names.items() if n and any(
            isinstance(c, tuple(QUANTIZABLE)) for c in m.modules())}
        for name in self.float_layers:
            if name not in holders:
                why = 'is not a module of the model' if name not in names else \
                    'holds no convolution or linear layer'
                raise KDConfigError(f'quantizer.float_layers: {name!r} {why}. '
                                    + suggest(name, holders))

    def quantize(self, model: nn.Module) -> nn.Module:
        """Replace, in place, every quantizable layer of ``model`` outside ``float_layers`` by
        its fake-quantized counterpart (same weights); return ``model``."""
        import_brevitas()
        from brevitas.graph.quantize import layerwise_quantize
        self._check_float_layers(model)
        layerwise_quantize(model, compute_layer_map=self._layer_map(),
                           name_blacklist=self.float_layers)
        if not quantized_layers(model):
            raise KDConfigError('quantizer: the model has no convolution or linear layer left '
                                'to quantize (check quantizer.float_layers)')
        return model


def quantized_layers(model: nn.Module) -> List[str]:
    """Names of the fake-quantized layers of ``model``."""
    try:
        from brevitas.nn.quant_layer import QuantWeightBiasInputOutputLayer
    except ImportError:
        return []
    return [n for n, m in model.named_modules() if isinstance(m, QuantWeightBiasInputOutputLayer)]


def dequantized_copy(model: nn.Module) -> nn.Module:
    """A float copy of a fake-quantized ``model``: each quantized layer becomes its plain
    PyTorch layer holding the quantized weights (``w_q`` above) and no activation
    quantizer. What an int8 runtime is given to quantize (:mod:`mmkd.deploy`): its integer
    weights are the trained ones."""
    from brevitas.nn.quant_layer import QuantWeightBiasInputOutputLayer
    model = copy.deepcopy(model)
    for name, module in list(model.named_modules()):
        if isinstance(module, QuantWeightBiasInputOutputLayer):
            parent, _, child = name.rpartition('.')
            setattr(model.get_submodule(parent) if parent else model, child, _plain_layer(module))
    return model


def _plain_layer(module: nn.Module) -> nn.Module:
    """The float layer of a fake-quantized ``module``, with its quantized weights."""
    bias = module.bias is not None
    if isinstance(module, nn.Linear):
        layer = nn.Linear(module.in_features, module.out_features, bias=bias)
    else:
        conv = next(c for c in type(module).__mro__ if c in QUANTIZABLE)
        layer = conv(module.in_channels, module.out_channels, module.kernel_size,
                     stride=module.stride, padding=module.padding, dilation=module.dilation,
                     groups=module.groups, bias=bias, padding_mode=module.padding_mode)
    with torch.no_grad():
        layer.weight.copy_(module.quant_weight().value)
        if bias:
            layer.bias.copy_(module.bias)
    return layer.train(module.training)


def settled_copy(model: nn.Module) -> nn.Module:
    """A copy of a fake-quantized ``model`` whose activation scales are all settled.

    A scale still in its statistics phase (a model trained for fewer steps than
    ``act_stats_steps``) quantizes with its running statistics in eval mode; export tools read the
    learned parameter instead. The copy's parameters take the statistics' value, so it computes
    what ``model`` computes in eval mode, wherever it is exported.
    """
    from brevitas.core.scaling.standalone import ParameterFromRuntimeStatsScaling
    model = copy.deepcopy(model)
    with torch.no_grad():
        for scale in model.modules():
            if isinstance(scale, ParameterFromRuntimeStatsScaling) and \
                    scale.counter <= scale.collect_stats_steps:
                scale.value.copy_(scale.restrict_scaling_pre(scale.buffer))
                scale.counter = scale.collect_stats_steps + 1
    return model
