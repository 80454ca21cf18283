"""Class costs for WKD-L from the teacher's features, as the WKD reference computes them.

    python tools/analysis/wkd_cost_matrix.py CONFIG --out cost.pth [--model teacher]
        [--features map|logits] [--max-per-class N] [--batch-size 128] [--cfg-options ...]

The teacher of a distillation config (its checkpoint loaded, as training loads it) runs over the
training set with the validation pipeline (the reference's test transform). Per class, its last
feature map is gathered: each image's (C, H, W) map as H x W rows of C (``--features map``, the
reference's CIFAR-100 costs), or its logits (``--features logits``, its ImageNet costs). Every
class keeps as many images as the smallest class has (or ``--max-per-class``), in dataset order.
The cost between two classes is 1 - linear CKA of their feature matrices
(``mmkd.models.losses.wasserstein_kd.cka_class_costs``); the (K, K) tensor is saved for
``WKDLogitLoss(cost='cost.pth')``, which sharpens it as the reference does.
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Dict, List

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def innermost_dataset(cfg: dict) -> dict:
    """The dataset config under any wrappers (``dataset=dict(dataset=...)``)."""
    while isinstance(cfg.get('dataset'), dict):
        cfg = cfg['dataset']
    return cfg


def class_features(model, preprocessor, dataset, num_classes: int, features: str,
                   max_per_class: int, batch_size: int) -> torch.Tensor:
    """(K, n, d): per class, the first n images' features as rows."""
    from mmengine.dataset import pseudo_collate
    by_class: Dict[int, List[torch.Tensor]] = {c: [] for c in range(num_classes)}
    fmap = {}
    hook = model.backbone.register_forward_hook(
        lambda m, a, out: fmap.update(x=out[-1] if isinstance(out, (tuple, list)) else out))
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(dataset), batch_size):
                batch = preprocessor(pseudo_collate(
                    [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]),
                    False)
                logits = model(batch['inputs'], mode='tensor')
                rows = logits if features == 'logits' else fmap['x']
                for sample, row in zip(batch['data_samples'], rows):
                    label = int(sample.gt_label)
                    if len(by_class[label]) < max_per_class:
                        by_class[label].append(
                            row if features == 'logits' else row.flatten(1).t())
    finally:
        hook.remove()
    empty = [c for c, rows in by_class.items() if not rows]
    if empty:
        raise SystemExit(f'classes {empty[:10]} have no training image: no cost for them')
    n = min(len(rows) for rows in by_class.values())
    stacked = [torch.stack(by_class[c][:n]) for c in range(num_classes)]
    if features == 'map':  # (n, H*W, C) -> (n*H*W, C), image by image
        stacked = [s.reshape(-1, s.size(-1)) for s in stacked]
    return torch.stack(stacked).float()


def main(argv=None) -> None:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--out', required=True, help='where the (K, K) cost tensor goes')
    parser.add_argument('--model', default='teacher',
                        help="the algorithm's model whose features give the costs")
    parser.add_argument('--features', choices=('map', 'logits'), default='map')
    parser.add_argument('--max-per-class', type=int, default=10**9)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    import mmkd  # noqa: F401  (registries, mmkd:: configs)
    from mmkd.cli.common import load_config
    from mmkd.models.losses.wasserstein_kd import cka_class_costs
    from mmkd.models.utils.model_builder import algorithm_data_preprocessor
    from mmkd.registry import DATASETS, MODELS
    from mmkd.utils.scopes import mmkd_scope
    cfg = load_config(args.config, args.cfg_options)
    model_cfg = copy.deepcopy(cfg.model)
    preprocessor_cfg = algorithm_data_preprocessor(cfg)
    if preprocessor_cfg is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(preprocessor_cfg))
    with mmkd_scope():
        algorithm = MODELS.build(model_cfg)
        models = algorithm.named_models()
        if args.model not in models:
            raise SystemExit(f'--model {args.model!r}: the algorithm\'s models are {list(models)}')
        dataset_cfg = copy.deepcopy(innermost_dataset(cfg.train_dataloader.dataset.to_dict()))
        dataset_cfg['pipeline'] = copy.deepcopy(innermost_dataset(
            cfg.val_dataloader.dataset.to_dict())['pipeline'])
        dataset = DATASETS.build(dataset_cfg)
    model = models[args.model]
    preprocessor = algorithm.data_preprocessor
    num_classes = model.head.num_classes
    feats = class_features(model, preprocessor, dataset, num_classes, args.features,
                           args.max_per_class, args.batch_size)
    cost = cka_class_costs(feats)
    torch.save(cost, args.out)
    print(f'{args.out}: ({num_classes}, {num_classes}) costs from {feats.shape[1]} rows of '
          f'{feats.shape[2]} per class; mean {cost.mean():.4f}, min off-diagonal '
          f'{(cost + torch.eye(num_classes) * 9).min():.4f}')


if __name__ == '__main__':
    sys.path.insert(0, ROOT)
    main()
