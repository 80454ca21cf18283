# Born-again networks (Furlanello et al., ICML 2018) on the shipped digits: generation 0 is the
# 1.4k-parameter student trained alone, each next generation the same network distilled from the
# previous one (vanilla KD, configs/kd), and the ensemble of generations 1-3 (averaged logits) is
# evaluated and exported. Run with
#   tools/train_sequence.py configs/sequential/born_again_convnet_digits.py
# See README.md.
_base_ = ['../_base_/models/digits/convnets.py']
sequence = dict(
    teacher=dict(name='gen0', config='mmkd::demo/student_convnet_digits.py'),
    generation=dict(config='mmkd::kd/kd_convnet-teacher_convnet-student_digits.py'),
    generations=3,
    ensemble=True,
)
