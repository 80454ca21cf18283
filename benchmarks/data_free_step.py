"""Time one data-free training step of mmkd (DataFreeDistill, DFAD's settings) against a
hand-written PyTorch loop doing the same work.

    python benchmarks/data_free_step.py [--steps 10] [--warmup 2] [--threads 2] [--device cpu]
        [--out benchmarks/data_free_step.json]

Both sides train the same module objects (alternately, step by step, in one process; only
the ratio of medians is meaningful on a noisy machine): a frozen CIFAR resnet56 teacher, a
resnet20 student (mmkd's CIFAR zoo, 100 classes), a ``DCGANGenerator`` of 3x32x32 images
(latent 256), batch 64. One step is DFAD's: five student updates (new noise, images without
gradients, teacher under no_grad, student, L1 of the logits, SGD) and one generator update
(new noise, images with gradients through the teacher and the student, minus L1, Adam), the
student's gradients from the generator's backward cleared.
"""
import statistics
import sys

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

import mmkd  # noqa: F401
from mmkd.registry import MODELS

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from kd_step_speed import alternated_times, report, step_benchmark_parser  # noqa: E402

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
MAPPING = dict(preds_S=dict(recorder='logits', from_student=True),
               preds_T=dict(recorder='logits', from_student=False))
STUDENT_STEPS = 5


def zoo(name):
    return dict(cfg_path=f'mmkd::_base_/models/cifar/{name}.py')


def build(device, teacher_ckpt):
    algo = MODELS.build(dict(
        type='DataFreeDistill', architecture=zoo('resnet20'), teacher=zoo('resnet56'),
        teacher_ckpt=teacher_ckpt, student_steps=STUDENT_STEPS, student_first=True,
        generator=dict(type='DCGANGenerator', image_shape=(3, 32, 32), latent_dim=256,
                       bn_eps=1e-5),
        distiller=dict(type='ConfigurableDistiller', student_recorders=LOGITS,
                       teacher_recorders=LOGITS,
                       distill_losses=dict(loss_l1=dict(type='L1Loss')),
                       loss_forward_mappings=dict(loss_l1=MAPPING)),
        generator_distiller=dict(
            type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=LOGITS,
            distill_losses=dict(loss_adv=dict(type='L1Loss', loss_weight=-1.0,
                                              teacher_detach=False)),
            loss_forward_mappings=dict(loss_adv=MAPPING)))).to(device)
    algo.train()
    student_sgd = torch.optim.SGD(algo.student.parameters(), lr=0.1, momentum=0.9,
                                  weight_decay=5e-4)
    generator_adam = torch.optim.Adam(algo.generator.parameters(), lr=1e-3)
    wrappers = OptimWrapperDict(architecture=OptimWrapper(student_sgd),
                                generator=OptimWrapper(generator_adam))
    return algo, wrappers, student_sgd, generator_adam


def hand_step(algo, student_sgd, generator_adam, batch, device):
    """DFAD's loop (VainF/Data-Free-Adversarial-Distillation), on the same modules."""
    student, teacher, generator = algo.student, algo.teacher, algo.generator
    for _ in range(STUDENT_STEPS):
        z = torch.randn(batch, generator.latent_dim, device=device)
        student_sgd.zero_grad()
        with torch.no_grad():
            fake = generator(z)
            t_logit = teacher(fake, mode='tensor')
        s_logit = student(fake, mode='tensor')
        F.l1_loss(s_logit, t_logit).backward()
        student_sgd.step()
    z = torch.randn(batch, generator.latent_dim, device=device)
    generator_adam.zero_grad()
    fake = generator(z)
    loss_g = -F.l1_loss(student(fake, mode='tensor'), teacher(fake, mode='tensor'))
    loss_g.backward()
    generator_adam.step()
    student_sgd.zero_grad()


def main():
    parser = step_benchmark_parser(__doc__, steps=10)
    parser.add_argument('--batch', type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import os
    import tempfile
    torch.manual_seed(0)
    teacher_ckpt = os.path.join(tempfile.mkdtemp(), 'teacher.pth')
    from mmkd.models.utils.model_builder import build_model
    torch.save({'state_dict': build_model(zoo('resnet56'), 'teacher').state_dict()}, teacher_ckpt)
    algo, wrappers, student_sgd, generator_adam = build(args.device, teacher_ckpt)
    data = dict(sample_idx=list(range(args.batch)))
    sides = dict(mmkd=lambda: algo.train_step(data, wrappers),
                 hand=lambda: hand_step(algo, student_sgd, generator_adam, args.batch,
                                        args.device))
    times = alternated_times(sides, args.steps, args.warmup, args.device)
    med = {k: statistics.median(v) for k, v in times.items()}
    report(dict(device=args.device, threads=args.threads, steps=args.steps, batch=args.batch,
                student_updates_per_step=STUDENT_STEPS, median_step_s=med,
                ratio_mmkd_over_hand=med['mmkd'] / med['hand']), args.out)

if __name__ == '__main__':
    main()
