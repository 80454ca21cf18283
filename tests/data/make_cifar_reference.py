"""Write ``cifar_reference.json.gz`` from the reference CIFAR model definitions.

    python tests/data/make_cifar_reference.py /path/to/mdistiller

Needs a checkout of mdistiller (its ``mdistiller/models/cifar`` package; RepDistiller's
``models`` hold the same networks). Stores each network's state-dict layout and what it
computes on fixed random weights, so the tests check the zoo and the checkpoint converter
against the reference without shipping its code.
"""
import gzip
import json
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from cifar_reference import FIXTURE, feature_summary, random_reference_state, reference_input  # noqa


def reference_networks(root):
    sys.path.insert(0, root)
    from mdistiller.models.cifar import cifar_model_dict
    nets = {name: fn for name, (fn, _) in cifar_model_dict.items()}
    mobile_half = nets['MobileNetV2']
    nets['MobileNetV2'] = lambda num_classes: mobile_half(num_classes)
    return nets


def main():
    nets = reference_networks(sys.argv[1])
    names = [f'resnet{d}' for d in (8, 14, 20, 32, 44, 56, 110)] + [
        'resnet8x4', 'resnet32x4', 'wrn_16_1', 'wrn_16_2', 'wrn_40_1', 'wrn_40_2', 'vgg8',
        'vgg11', 'vgg13', 'vgg16', 'vgg19', 'MobileNetV2', 'ShuffleV1', 'ShuffleV2', 'ResNet50']
    out = {}
    for name in names:
        net = nets[name](num_classes=100).eval()
        layout = [[k, list(v.shape), 'int' if not v.is_floating_point() else 'float']
                  for k, v in net.state_dict().items()]
        net.load_state_dict(random_reference_state(layout))
        with torch.no_grad():
            logits, feats = net(reference_input())
        out[name] = dict(
            layout=layout, params=sum(p.numel() for p in net.parameters()),
            logits=logits.tolist(),
            feats=[feature_summary(f) for f in feats['feats']],
            preact_feats=[feature_summary(f) for f in feats.get('preact_feats', [])])
        print(name, out[name]['params'])
    with gzip.open(FIXTURE, 'wt') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main()
