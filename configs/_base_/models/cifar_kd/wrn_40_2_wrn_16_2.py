# wrn_40_2 (teacher) -> wrn_16_2 (student) on CIFAR-100. teacher_ckpt: the benchmark teacher converted with
# tools/model_converters/mdistiller_to_mmkd.py (see configs/cifar_zoo/README.md), or one trained
# with configs/cifar_zoo/wrn_40_2_cifar100.py.
model = dict(
    type='SingleTeacherDistill',
    architecture=dict(cfg_path='mmkd::_base_/models/cifar/wrn_16_2.py'),
    teacher=dict(cfg_path='mmkd::_base_/models/cifar/wrn_40_2.py'),
    teacher_ckpt='checkpoints/cifar_teachers/wrn_40_2.pth',
)
