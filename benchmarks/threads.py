"""How long the digits teacher trains with each ``--threads`` setting, on an idle machine and
beside one busy core.

    python benchmarks/threads.py [--out benchmarks/threads.json]

Runs ``tools/train.py configs/demo/teacher_convnet_digits.py`` (40 epochs, validation every
5) as a user does, once per setting: ``--threads 1``, ``--threads N`` (N = the machine's
cores: torch's own default, what the command used before ``--threads`` existed) and
``--threads auto`` (the default now); first on the idle machine, then with another process
spinning on one core. Wall-clock seconds of the whole command (start-up included).
"""
import argparse
import json
import multiprocessing
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs/demo/teacher_convnet_digits.py')


def _spin() -> None:
    while True:
        pass


def train_seconds(threads: str, work_dir: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, osp.join(ROOT, 'tools/train.py'), CONFIG,
                          '--work-dir', work_dir, '--threads', threads],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    chosen = [ln for ln in (out.stdout + out.stderr).splitlines() if 'torch CPU threads' in ln]
    print(f'  --threads {threads}: {seconds:.1f} s ({chosen[-1].split(" - ")[-1] if chosen else "?"})',
          flush=True)
    return round(seconds, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=None, help='write the results as JSON here')
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    settings = ['1', str(cores), 'auto']
    results = dict(cores=cores, config=osp.relpath(CONFIG, ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        for load in ('idle', 'one core busy'):
            print(load, flush=True)
            spinner = None
            if load != 'idle':
                spinner = multiprocessing.Process(target=_spin, daemon=True)
                spinner.start()
                time.sleep(1)
            try:
                results[load] = {s: train_seconds(s, osp.join(tmp, f'{load}_{s}'))
                                 for s in settings}
            finally:
                if spinner is not None:
                    spinner.terminate()
    print(json.dumps(results, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
