"""Evaluate a checkpoint: ``tools/test.py CONFIG CHECKPOINT`` (or ``mmkd-test``).

For a distillation config the student is evaluated, and the teacher is neither built nor loaded
(its checkpoint need not exist), unless ``--models NAME ...`` (a teacher's, a peer's or an exit's
name) or ``--evaluate-teacher`` (every model the algorithm names) asks for their metrics too.
"""
import argparse
import os

import mmkd  # noqa: F401  (safe checkpoint loading, registries, mmkd:: configs)
from mmkd.utils.config_errors import KDConfigError
from .common import add_run_arguments, load_config, parse_run_arguments, run_cli
from mmkd.engine.runner import build_runner
from .train import default_work_dir


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Evaluate a (distilled) model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save evaluation results')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument(
        '--evaluate-teacher', action='store_true',
        help='also evaluate every other model of a distillation config (its teachers, which '
        'need their checkpoints, peers, exits); metrics are logged as NAME/..., e.g. teacher/...')
    parser.add_argument(
        '--models', nargs='+', metavar='NAME',
        help='also evaluate these models of the algorithm by name (a teacher, a peer, an exit)')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def distillation_algorithm(model_cfg) -> bool:
    """Whether ``model_cfg`` builds one of mmkd's algorithms (which can skip the teacher)."""
    from mmkd.models.algorithms import BaseAlgorithm
    from mmkd.models.utils.model_builder import algorithm_class
    try:
        cls = algorithm_class(model_cfg)
    except KDConfigError:  # not a registered type: the runner says what is wrong with it
        return False
    return isinstance(cls, type) and issubclass(cls, BaseAlgorithm)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    cfg.work_dir = default_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    if not os.path.isfile(args.checkpoint):
        raise KDConfigError(f'checkpoint {args.checkpoint!r} does not exist')
    others = 'all' if args.evaluate_teacher else args.models
    if distillation_algorithm(cfg.get('model')):
        if others:
            cfg.test_cfg = dict(type='mmkd.DistillTestLoop', models=others)
        else:
            cfg.model.student_only = True
    elif others:
        flag = '--evaluate-teacher' if args.evaluate_teacher else '--models'
        raise KDConfigError(f'{flag} needs a distillation config; '
                            f'model.type={cfg.model.get("type")!r} has no other models')
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit('--out must be a .pkl or .pickle file')
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    runner = build_runner(cfg)
    runner.logger.info(args.threads_line)
    return runner.test()


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
