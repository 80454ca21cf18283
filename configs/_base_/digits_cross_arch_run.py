# The digits CNNs and the small ViT with the digits data, the 40-epoch schedule, the default
# runtime and the logit recorders: what the cross-architecture digits configs start from.
_base_ = [
    './models/digits/convnets.py', './models/digits/vit.py', './datasets/digits.py',
    './schedules/digits_40e.py', './default_runtime.py', './distillers/logits.py'
]
