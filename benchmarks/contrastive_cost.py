"""How the cost of CRD and of in-batch contrastive KD grows with the dataset, the batch and the
number of processes.

    python benchmarks/contrastive_cost.py [--steps 10] [--out benchmarks/contrastive_cost.json]

For each setting, one loss step (forward, backward, and CRD's memory update) on fixed
pooled features (student 256-d, teacher 256-d, CIFAR resnet8x4 / resnet32x4 sizes), timed as
the median over ``--steps`` after two warm-up steps, in one process or in two gloo processes
(each with half of the global batch; the time is rank 0's). Memory: the bytes of the state the
loss keeps between steps (CRD's two banks) and of the largest tensors one step creates (the
K + 1 bank rows gathered per sample; the B x B_global score matrix of the in-batch loss),
counted from the tensors' sizes. Times are reported as ratios to the in-batch loss at the same
batch in the same run, since this machine's absolute timings are noisy.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DIM = 256


def make_loss(kind, num_samples, num_negatives):
    import mmkd.models  # noqa: F401
    from mmkd.registry import MODELS
    if kind == 'crd':
        return MODELS.build(dict(type='CRDLoss', student_channels=DIM, teacher_channels=DIM,
                                 num_samples=num_samples, num_negatives=num_negatives))
    return MODELS.build(dict(type='InBatchContrastiveLoss', tau=0.1))


def time_steps(kind, batch, num_samples, num_negatives, steps, rank=0):
    from mmpretrain.structures import DataSample
    torch.manual_seed(rank)
    loss = make_loss(kind, num_samples, num_negatives)
    loss.train()
    f_s = torch.randn(batch, DIM, requires_grad=True)
    f_t = torch.randn(batch, DIM)
    samples = []
    for i in range(batch):
        d = DataSample()
        d.set_metainfo(dict(sample_idx=(rank * batch + i) % num_samples))
        samples.append(d)
    times = []
    for step in range(steps + 2):
        start = time.perf_counter()
        value = loss(f_s, f_t, samples) if kind == 'crd' else loss(f_s, f_t)
        value.backward()
        if dist.is_initialized():
            dist.barrier()
        if step >= 2:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _worker(rank, world, init, kind, batch, num_samples, num_negatives, steps, out):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init}', rank=rank, world_size=world)
    t = time_steps(kind, batch // world, num_samples, num_negatives, steps, rank)
    if rank == 0:
        with open(out, 'w') as f:
            json.dump(t, f)
    dist.destroy_process_group()


def measure(kind, batch, num_samples, num_negatives, steps, world):
    if world == 1:
        torch.set_num_threads(1)
        return time_steps(kind, batch, num_samples, num_negatives, steps)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'time.json')
        mp.spawn(_worker, args=(world, os.path.join(tmp, 'init'), kind, batch, num_samples,
                                num_negatives, steps, out), nprocs=world, join=True)
        with open(out) as f:
            return json.load(f)


def memory(kind, batch, num_samples, num_negatives, world):
    fp32 = 4
    local = batch // world
    if kind == 'crd':
        return dict(state=2 * num_samples * 128 * fp32,
                    per_step=2 * local * (num_negatives + 1) * 128 * fp32)
    return dict(state=0, per_step=local * batch * fp32 + batch * DIM * fp32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__),
                                                       'contrastive_cost.json'))
    args = parser.parse_args()
    settings = [dict(batch=64, num_samples=n, num_negatives=4096, world=1)
                for n in (10_000, 50_000, 200_000)]
    settings += [dict(batch=b, num_samples=50_000, num_negatives=4096, world=1)
                 for b in (32, 128, 256)]
    settings += [dict(batch=64, num_samples=50_000, num_negatives=k, world=1)
                 for k in (1024, 16384)]
    settings += [dict(batch=128, num_samples=50_000, num_negatives=4096, world=2)]
    rows = []
    for s in settings:
        crd = measure('crd', s['batch'], s['num_samples'], s['num_negatives'], args.steps,
                      s['world'])
        inb = measure('inbatch', s['batch'], s['num_samples'], s['num_negatives'], args.steps,
                      s['world'])
        rows.append(dict(s, crd_ms=1000 * crd, inbatch_ms=1000 * inb, ratio=crd / inb,
                         crd_memory=memory('crd', s['batch'], s['num_samples'],
                                           s['num_negatives'], s['world']),
                         inbatch_memory=memory('inbatch', s['batch'], s['num_samples'],
                                               s['num_negatives'], s['world'])))
        print(json.dumps(rows[-1]))
    with open(args.out, 'w') as f:
        json.dump(dict(torch=torch.__version__, threads=1, steps=args.steps, rows=rows), f,
                  indent=1)
    print('| N | B | K | processes | CRD step | in-batch step | CRD / in-batch | CRD banks | '
          'CRD per-step rows | in-batch per-step |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        mib = 1 / 2**20
        print(f"| {r['num_samples']} | {r['batch']} | {r['num_negatives']} | {r['world']} | "
              f"{r['crd_ms']:.1f} ms | {r['inbatch_ms']:.2f} ms | {r['ratio']:.0f}x | "
              f"{r['crd_memory']['state'] * mib:.1f} MiB | "
              f"{r['crd_memory']['per_step'] * mib:.1f} MiB | "
              f"{r['inbatch_memory']['per_step'] * mib:.2f} MiB |")


if __name__ == '__main__':
    main()
