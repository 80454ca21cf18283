from .brevitas_quantizer import (BrevitasQuantizer, dequantized_copy, quantized_layers,
                                 settled_copy)
from .quantized_model import QuantizedModel, QuantizerState

__all__ = ['BrevitasQuantizer', 'QuantizedModel', 'QuantizerState', 'dequantized_copy',
           'quantized_layers', 'settled_copy']
