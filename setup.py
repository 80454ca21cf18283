from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open('mmkd/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(path):
    with open(path, encoding='utf-8') as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith(('#', '-'))]


setup(
    name='mmkd',
    version=get_version(),
    description='Knowledge distillation toolkit built on MMEngine, MMCV and MMPretrain',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'benchmarks')),
    python_requires='>=3.8',
    # mmcv is left out on purpose: mmcv-lite or a full mmcv both work, and pip must not
    # replace the one a user has (see requirements/mminstall.txt).
    install_requires=parse_requirements('requirements/runtime.txt'),
    extras_require=dict(tests=parse_requirements('requirements/tests.txt'),
                        mim=parse_requirements('requirements/mminstall.txt')),
    license='Apache License 2.0',
    zip_safe=False,
)
