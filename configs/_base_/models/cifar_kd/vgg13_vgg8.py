# vgg13 (teacher) -> vgg8 (student) on CIFAR-100. teacher_ckpt: the benchmark teacher converted with
# tools/model_converters/mdistiller_to_mmkd.py (see configs/cifar_zoo/README.md), or one trained
# with configs/cifar_zoo/vgg13_cifar100.py.
model = dict(
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::_base_/models/cifar/vgg8.py'),
    teacher=dict(cfg_path='mmkd::_base_/models/cifar/vgg13.py'),
    teacher_ckpt='checkpoints/cifar_teachers/vgg13.pth',
)
