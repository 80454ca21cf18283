"""Time a teacher-assistant chain run by tools/train_sequence.py against the same hops run by
hand (tools/train.py, then extract_student.py, per hop), as a ratio in one run.

    python benchmarks/sequence_overhead.py [--epochs 5] [--repeats 2] [--out FILE]

The chain is configs/sequential/ta_chain_convnet_digits.py (teacher -> assistant -> student,
no direct run) with a teacher of seeded random weights, each hop ``--epochs`` epochs on the
digits, one thread. By hand, each hop's config is written with its teacher set to the previous
hop's export, then trained and exported: the commands a user would otherwise type. The two
are run alternately ``--repeats`` times; the medians are compared.
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import textwrap

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from kd_step_speed import alternated_times, report  # noqa: E402
KD = osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')
ASSISTANT = dict(architecture=dict(backbone=dict(widths=(32, 64)), head=dict(in_channels=64)))


def run(args, env):
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def teacher_checkpoint(folder):
    import torch
    from mmengine.config import Config
    import mmkd  # noqa: F401
    from mmkd.models.utils.model_builder import build_model
    model = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/digits/convnets.py'))
    torch.manual_seed(0)
    path = osp.join(folder, 'teacher.pth')
    torch.save({'state_dict': build_model(model.teacher_model, 'teacher').state_dict()}, path)
    return path, model.teacher_model.to_dict()


def by_sequence(folder, teacher, options, env):
    config = osp.join(folder, 'chain.py')
    with open(config, 'w') as f:
        f.write(textwrap.dedent(f'''
            _base_ = [{osp.join(ROOT, 'configs/sequential/ta_chain_convnet_digits.py')!r}]
            sequence = dict(teacher=dict(checkpoint={teacher!r}), direct=False)
        '''))
    run(['tools/train_sequence.py', config, '--work-dir', osp.join(folder, 'seq'),
         '--cfg-options', *options], env)


def by_hand(folder, teacher, teacher_model, options, env):
    previous = (teacher_model, teacher)
    for name, overrides in (('assistant', ASSISTANT), ('student', {})):
        work = osp.join(folder, 'hand', name)
        config = osp.join(folder, f'{name}.py')
        model = dict(overrides, teacher=dict(previous[0], _delete_=True),
                     teacher_ckpt=previous[1])
        with open(config, 'w') as f:
            f.write(f'_base_ = [{KD!r}]\nmodel = {model!r}\n')
        run(['tools/train.py', config, '--work-dir', work, '--cfg-options', *options], env)
        last = open(osp.join(work, 'last_checkpoint')).read().strip()
        student, student_cfg = osp.join(work, 'student.pth'), osp.join(work, 'student_config.py')
        run(['tools/model_converters/extract_student.py', last, student, '--config', config,
             '--out-config', student_cfg], env)
        from mmengine.config import Config
        previous = (Config.fromfile(student_cfg).model.to_dict(), student)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--out', help='write the result as JSON here')
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    options = [f'train_cfg.max_epochs={args.epochs}', f'train_cfg.val_interval={args.epochs}']
    times = {}
    for i in range(args.repeats):  # a fresh folder (and teacher file) for every round
        folder = tempfile.mkdtemp()
        teacher, teacher_model = teacher_checkpoint(folder)
        sides = dict(sequence=lambda: by_sequence(folder, teacher, options, env),
                     by_hand=lambda: by_hand(folder, teacher, teacher_model, options, env))
        if i % 2:
            sides = dict(reversed(list(sides.items())))
        for name, seconds in alternated_times(sides, 1).items():
            times.setdefault(name, []).extend(seconds)
    med = {k: statistics.median(v) for k, v in times.items()}
    report(dict(epochs_per_hop=args.epochs, hops=2, repeats=args.repeats, median_s=med,
                ratio_sequence_over_by_hand=med['sequence'] / med['by_hand']), args.out)

if __name__ == '__main__':
    main()
