"""Runs that follow each other, each one's teacher the model the previous one exported:
teacher-assistant chains and born-again generations, from one config and one command."""
import copy
import json
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Optional

from mmengine.config import Config

from mmkd.utils.config_errors import KDConfigError, check_keys

SEQUENCE_KEYS = ('teacher', 'hops', 'generation', 'generations', 'direct', 'ensemble', 'seed',
                 'metric')
HOP_KEYS = ('name', 'config', 'overrides', 'teacher_name')
RESULT = 'result.json'


class Hop(NamedTuple):
    """One run of a sequence."""
    name: str
    config: str  # a config path (or ``mmkd::...``)
    overrides: dict  # merged into the config (nested dicts, dotted keys, ``_delete_``)
    teacher_name: str  # the model of the config the previous hop's export becomes
    distils: bool  # False: trained alone (a sequence's first teacher, given as a config)


class Trained(NamedTuple):
    """What a finished hop left: its exported model and its result."""
    name: str
    model: dict  # the model config (an mmpretrain classifier)
    checkpoint: str  # its weights alone
    result: dict


def sequence_hops(spec: dict) -> List[Hop]:
    """The hops of ``sequence`` in the order they run (see :class:`TrainingSequence`)."""
    if not isinstance(spec, dict):
        raise KDConfigError('sequence must be a dict(teacher=..., hops=[...]) or '
                            'dict(teacher=..., generation=..., generations=N)')
    check_keys(spec, SEQUENCE_KEYS, 'sequence')
    teacher = spec.get('teacher')
    if not isinstance(teacher, dict) or not ({'config', 'checkpoint'} & set(teacher)):
        raise KDConfigError("sequence.teacher must be dict(checkpoint=..., model=...) (a trained "
                            "teacher) or dict(config=...) (trained alone as the first hop)")
    check_keys(teacher, ('config', 'checkpoint', 'model', 'overrides', 'name'), 'sequence.teacher')
    hops = []
    if teacher.get('checkpoint') is None:
        hops.append(Hop(teacher.get('name', 'teacher'), teacher['config'],
                        dict(teacher.get('overrides') or {}), '', False))
    if ('hops' in spec) == ('generation' in spec):
        raise KDConfigError('sequence: give either hops=[...] (a chain) or generation=dict('
                            'config=...) with generations=N (born-again), not both or neither')
    if 'generation' in spec:
        n = spec.get('generations')
        if not isinstance(n, int) or n < 1:
            raise KDConfigError(f'sequence.generations must be an int >= 1, got {n!r}')
        gen = spec['generation']
        raw = [dict(gen, name=f'gen{i}') for i in range(1, n + 1)]
        where = 'sequence.generation'
    else:
        raw = spec['hops']
        if not isinstance(raw, (list, tuple)) or not raw:
            raise KDConfigError('sequence.hops must be a non-empty list of dict(name=..., '
                                'config=..., overrides=...)')
        where = 'sequence.hops'
    for i, hop in enumerate(raw):
        key = where if 'generation' in spec else f'{where}[{i}]'
        if not isinstance(hop, dict) or 'config' not in hop:
            raise KDConfigError(f'{key} must be dict(name=..., config=..., overrides=...)')
        check_keys(hop, HOP_KEYS, key)
        hops.append(Hop(hop.get('name', f'hop{i + 1}'), hop['config'],
                        dict(hop.get('overrides') or {}), hop.get('teacher_name', 'teacher'),
                        True))
    names = [h.name for h in hops]
    for name in names:
        if names.count(name) > 1 or not name or '/' in name or name in ('direct', 'ensemble'):
            raise KDConfigError(f'sequence: hop names must be unique folder names other than '
                                f"'direct' and 'ensemble'; got {names}")
    return hops


class TrainingSequence:
    """Train a sequence of distillation runs from one config, each hop's teacher being the
    model the hop before it exported:

    * a teacher-assistant chain (Mirzadeh et al., AAAI 2020): teacher -> assistant(s) ->
      student, ``hops=[dict(name='assistant', config=..., overrides=...), ...]``;
    * born-again networks (Furlanello et al., ICML 2018): ``generation=dict(config=...)``
      with ``generations=N``, each generation distilled from the previous one, and with
      ``ensemble=True`` their average (a ``LogitEnsemble``), evaluated and exported.

    The sequence config (a Python config file with a ``sequence`` dict):

    * ``teacher``: ``dict(model=..., checkpoint=...)`` (a trained teacher), or
      ``dict(config=...)``: a training config of it, run first as the hop ``teacher``;
    * ``hops`` / ``generation`` + ``generations``: each hop a normal distillation config (path
      or ``mmkd::...``) and ``overrides`` merged into it (nested or dotted keys, ``_delete_``);
      its teacher (the config's model ``teacher_name``, default ``'teacher'``: its model
      config and its checkpoint, by the keys its algorithm declares in ``models_in_config``)
      is replaced by the previous hop's exported model;
    * ``direct``: also distil the last hop's config from the first teacher (a run
      ``direct``), for the comparison;
    * ``ensemble``: True (every generation) or a list of hop names: a ``LogitEnsemble`` of
      their exported models, evaluated on the test split and exported as one model
      (``ensemble/ensemble.pth`` with ``ensemble_config.py``) and as the list of members
      (``ensemble/members.json``);
    * ``seed`` (every hop's ``randomness.seed``, default 0) and ``metric`` (the validation
      metric of the table, default ``accuracy/top1``).

    Every hop runs in ``<work_dir>/<name>`` through mmkd's runner and leaves ``student.pth``
    and ``student_config.py`` (its exported model) and ``result.json``. With ``resume``,
    finished hops are skipped and an interrupted one resumes from its newest intact
    checkpoint; without it, a work dir that holds results is refused. At the end
    ``sequence_results.json`` and ``sequence_results.md`` list every run's metric.
    """

    def __init__(self, spec: dict, work_dir: str, resume: bool = False,
                 cfg_options: Optional[dict] = None) -> None:
        self.hops = sequence_hops(spec)
        self.spec = spec
        self.work_dir = work_dir
        self.resume = resume
        self.cfg_options = dict(cfg_options or {})
        self.seed = spec.get('seed', 0)
        self.metric = spec.get('metric', 'accuracy/top1')
        if not resume and osp.isdir(work_dir) and any(
                osp.isfile(osp.join(work_dir, d, RESULT)) for d in os.listdir(work_dir)):
            raise KDConfigError(f'{work_dir} holds the results of a sequence: continue it with '
                                '--resume, or give another --work-dir')

    def run(self) -> List[dict]:
        """Train every hop (and the direct run, and the ensemble); return the results."""
        teacher_spec = self.spec['teacher']
        first: Optional[Trained] = None
        if teacher_spec.get('checkpoint') is not None:
            if 'model' not in teacher_spec:
                raise KDConfigError('sequence.teacher.model is required with '
                                    'sequence.teacher.checkpoint (the teacher\'s model config)')
            model = teacher_spec['model']
            first = Trained(teacher_spec.get('name', 'teacher'), copy.deepcopy(model),
                            teacher_spec['checkpoint'], dict(name=teacher_spec.get(
                                'name', 'teacher'), given=True))
        previous, done = first, []
        for hop in self.hops:
            trained = self._hop(hop, previous)
            first = first or trained
            done.append(trained)
            previous = trained
        if self.spec.get('direct'):
            last = self.hops[-1]
            done.append(self._hop(last._replace(name='direct'), first))
        results = [t.result for t in done]
        if self.spec.get('ensemble'):
            results.append(self._ensemble(done))
        self._write_table(results)
        return results

    # ------------------------------------------------------------------ one hop
    def _hop(self, hop: Hop, teacher: Optional[Trained]) -> Trained:
        work = osp.join(self.work_dir, hop.name)
        done = osp.join(work, RESULT)
        if self.resume and osp.isfile(done):
            with open(done) as f:
                result = json.load(f)
            return Trained(hop.name, Config.fromfile(result['model_config']).model.to_dict(),
                           result['checkpoint'], result)
        from mmkd.engine.runner import build_runner
        from .common import load_config
        from .train import resolve_resume
        from mmkd.utils import find_resumable_checkpoint
        from mmkd.utils.dist_utils import unwrap_model
        cfg = load_config(hop.config)
        cfg.merge_from_dict(hop.overrides)
        cfg.merge_from_dict(self.cfg_options)
        if hop.distils:
            self._set_teacher(cfg, hop, teacher)
        cfg.work_dir = work
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=self.seed)
        if self.resume and osp.isdir(work) and find_resumable_checkpoint(work):
            cfg.resume = True
            cfg.load_from = None
            resolve_resume(cfg)
        runner = build_runner(cfg)
        runner.train()
        metrics = runner.val_loop.run()
        if self.metric not in metrics:
            raise KDConfigError(f'sequence.metric={self.metric!r} is not a validation metric of '
                                f'{hop.config}; it has {sorted(metrics)}')
        model = unwrap_model(runner.model)
        student = getattr(model, 'student', model)
        checkpoint, model_cfg = self._export(cfg, hop, work)
        result = dict(name=hop.name, config=hop.config,
                      teacher=teacher.name if hop.distils else None,
                      params=sum(p.numel() for p in student.parameters()),
                      metric=self.metric, value=float(metrics[self.metric]),
                      checkpoint=checkpoint, model_config=model_cfg)
        _write_json(done, result)
        return Trained(hop.name, Config.fromfile(model_cfg).model.to_dict(), checkpoint, result)

    @staticmethod
    def _set_teacher(cfg: Config, hop: Hop, teacher: Optional[Trained]) -> None:
        from mmkd.models.algorithms import BaseAlgorithm
        from mmkd.models.utils.model_builder import algorithm_class
        cls = algorithm_class(cfg.get('model') or {})
        if teacher is None or not issubclass(cls, BaseAlgorithm):
            raise KDConfigError(f'sequence hop {hop.name!r}: {hop.config} is not a '
                                'distillation config of mmkd (its teacher cannot be set)')
        entry = cls.models_in_config(cfg.model).get(hop.teacher_name)
        if entry is None or entry.ckpt_key is None:
            takes = [n for n, e in cls.models_in_config(cfg.model).items() if e.ckpt_key]
            raise KDConfigError(f'sequence hop {hop.name!r}: {cls.__name__} has no teacher '
                                f'{hop.teacher_name!r} that loads a checkpoint; teacher_name '
                                f'may be one of {takes}')
        cfg.merge_from_dict({entry.key: dict(teacher.model, _delete_=True),
                             entry.ckpt_key: teacher.checkpoint})

    @staticmethod
    def _export(cfg: Config, hop: Hop, work: str):
        """The hop's model alone: ``student.pth`` and ``student_config.py``."""
        from .extract_student import extract_student, student_config
        from mmkd.utils import find_resumable_checkpoint
        last = find_resumable_checkpoint(work)
        checkpoint = osp.join(work, 'student.pth')
        config = osp.join(work, 'student_config.py')
        if hop.distils:
            extract_student(last, checkpoint)
            student_config(cfg).dump(config)
        else:  # a model trained alone is its own export
            extract_student(last, checkpoint, prefix='')
            Config(dict(model=cfg.model.to_dict())).dump(config)
        return checkpoint, config

    # ------------------------------------------------------------------ the end
    def _ensemble(self, done: List[Trained]) -> dict:
        from mmkd.engine.runner import build_runner
        from mmkd.utils.checkpoint import save_checkpoint_file
        from mmkd.utils import load_checkpoint_file
        names = self.spec['ensemble']
        by_name = {t.name: t for t in done}
        if names is True:
            names = [h.name for h in self.hops if h.distils]
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise KDConfigError(f'sequence.ensemble: no hop {unknown}; hops are {list(by_name)}')
        members = [by_name[n] for n in names]
        work = osp.join(self.work_dir, 'ensemble')
        os.makedirs(work, exist_ok=True)
        state = {}
        for i, member in enumerate(members):
            weights = load_checkpoint_file(member.checkpoint, map_location='cpu')['state_dict']
            state.update({f'members.{i}.{k}': v for k, v in weights.items()})
        checkpoint = osp.join(work, 'ensemble.pth')
        save_checkpoint_file(dict(meta=dict(members=names), state_dict=state), checkpoint)
        last = Config.fromfile(members[-1].result['model_config'])
        cfg = Config(dict(
            last.to_dict(), model=dict(type='mmkd.LogitEnsemble',
                                       members=[m.model for m in members])))
        config = osp.join(work, 'ensemble_config.py')
        cfg.dump(config)
        _write_json(osp.join(work, 'members.json'), [
            dict(name=m.name, config=m.result['model_config'], checkpoint=m.checkpoint)
            for m in members])
        cfg = Config.fromfile(config)
        cfg.work_dir = osp.join(work, 'test')  # the runner writes its copy of the config there
        cfg.load_from = checkpoint
        metrics = build_runner(cfg).test()
        return dict(name='ensemble', members=names, metric=self.metric,
                    value=float(metrics[self.metric]), checkpoint=checkpoint,
                    model_config=config,
                    params=sum(m.result.get('params', 0) for m in members))

    def _write_table(self, results: List[dict]) -> None:
        _write_json(osp.join(self.work_dir, 'sequence_results.json'), results)
        lines = [f'| run | teacher | parameters | {self.metric} |', '|---|---|---|---|']
        for r in results:
            teacher = r.get('teacher') or ('(members: ' + ', '.join(r['members']) + ')'
                                           if 'members' in r else '(trained alone)')
            lines.append(f"| {r['name']} | {teacher} | {r.get('params', '')} | "
                         f"{r['value']:.2f} |")
        with open(osp.join(self.work_dir, 'sequence_results.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print('\n'.join(lines))


def _write_json(path: str, data) -> None:
    """Write atomically: a result file is either whole or absent (it marks a hop done)."""
    from mmkd.utils.checkpoint import atomic_write
    atomic_write(path, json.dumps(data, indent=2).encode())


def load_sequence(path: str) -> Dict:
    """The ``sequence`` dict of a sequence config file."""
    from .common import load_config
    cfg = load_config(path)
    if 'sequence' not in cfg:
        raise KDConfigError(f'{path} has no `sequence` dict: it is not a sequence config '
                            '(tools/train.py trains a single config)')
    return cfg.sequence.to_dict()
