import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))


def readme():
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmkd/version.py'), encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(path):
    with open(osp.join(HERE, path), encoding='utf-8') as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith(('#', '-'))]


class BuildWithConfigs(build_py):
    """Ship ``configs/`` inside the package as ``mmkd/.mim/configs`` (OpenMMLab's layout), so
    ``mmkd::`` bases and ``cfg_path='mmkd::...'`` resolve in a wheel install. An editable
    install reads the checkout's ``configs/`` instead (mmkd/utils/package_configs.py)."""

    def run(self):
        super().run()
        if self.editable_mode:
            return
        src = osp.join(HERE, 'configs')
        dst = osp.join(self.build_lib, 'mmkd', '.mim', 'configs')
        if osp.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


setup(
    name='mmkd',
    version=get_version(),
    description='Knowledge distillation toolkit built on MMEngine, MMCV and MMPretrain',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'configs.*', 'tools', 'tests', 'benchmarks')),
    cmdclass=dict(build_py=BuildWithConfigs),
    entry_points=dict(console_scripts=[
        'mmkd-train = mmkd.cli.train:cli',
        'mmkd-train-sequence = mmkd.cli.train_sequence:cli',
        'mmkd-test = mmkd.cli.test:cli',
        'mmkd-extract-student = mmkd.cli.extract_student:cli',
        'mmkd-export-onnx = mmkd.cli.export_onnx:cli',
        'mmkd-print-config = mmkd.cli.print_config:cli',
        'mmkd-inspect = mmkd.cli.inspect_model:cli',
        'mmkd-build-teacher-cache = mmkd.cli.build_teacher_cache:cli',
        'mmkd-plot-curves = mmkd.cli.plot_curves:cli',
    ]),
    python_requires='>=3.8',
    # mmcv is left out on purpose: mmcv-lite or a full mmcv both work, and pip must not
    # replace the one a user has (see requirements/mminstall.txt).
    install_requires=parse_requirements('requirements/runtime.txt'),
    # `pip install "mmkd[lite]"` adds mmcv-lite (`mim` is the OpenMMLab name for the same);
    # `tensorboard` the TensorBoard writer MMEngine's TensorboardVisBackend uses; `deploy`
    # quantization-aware training and ONNX export (docs/deployment.md).
    extras_require=dict(tests=parse_requirements('requirements/tests.txt'),
                        lite=parse_requirements('requirements/mminstall.txt'),
                        mim=parse_requirements('requirements/mminstall.txt'),
                        deploy=parse_requirements('requirements/deploy.txt'),
                        tensorboard=['tensorboard']),
    license='Apache License 2.0',
    zip_safe=False,
)
