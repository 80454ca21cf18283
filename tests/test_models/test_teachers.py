"""The Teacher abstraction and the algorithm contract as tools read it."""
import copy

import pytest
import torch

from mmkd.models.algorithms import MultiTeacherDistill, MutualLearning, SingleTeacherDistill
from mmkd.models.losses import HardLabelKD, KDPartialTopK, KLDivergence, L2Loss
from mmkd.models.teachers import Teacher, nested_keys
from mmkd.models.teachers.needs import TeacherNeeds, teacher_needs
from mmkd.registry import MODELS
from mmkd.utils import KDConfigError
from mmkd.utils.config_errors import check_keys

from helpers import STUDENT, TEACHER, digits_batch, kd_model_cfg


def teacher(cfg, policies=('frozen', 'trainable', 'ema', 'cached')):
    return Teacher('t1', cfg, nested_keys('model.teachers.t1'), 'teachers.t1',
                   'teacher_preprocessors.t1', policies)


@pytest.mark.parametrize('cfg, message', [
    (dict(model=TEACHER, ckpts='x.pth'), r"model.teachers.t1: unknown key 'ckpts'.*'ckpt'"),
    (dict(model=TEACHER, policy='mean'), r"t1.policy='mean' is not valid"),
    (dict(ckpt='x.pth'), r't1.model is required'),
    (dict(model=TEACHER, policy='trainable', norm_train=True), 'is for a frozen teacher'),
    (dict(model=TEACHER, policy='cached'), r"cache and .*policy='cached' go together"),
    (dict(model=TEACHER, cache=dict(dir='c', topk=5)), 'go together'),
    (dict(model=TEACHER, policy='ema', ema_momentum=1.0), r'ema_momentum must be in \[0, 1\)'),
    (dict(model=TEACHER, policy='trainable', lean=dict(channels_last=True)),
     'is for a frozen teacher'),
    ('teacher.pth', r'model.teachers.t1 must be dict\(model=..., ckpt=...\)'),
])
def test_a_teacher_dict_is_checked_with_the_key_at_fault(cfg, message):
    with pytest.raises(KDConfigError, match=message):
        teacher(cfg)


def test_a_teacher_knows_its_policy_and_what_checkpoints_hold(teacher_ckpt):
    frozen = teacher(dict(model=TEACHER, ckpt=teacher_ckpt))
    module = frozen.build(MODELS.build(STUDENT))
    assert frozen.runs and not frozen.saved and not frozen.trainable
    assert not any(p.requires_grad for p in module.parameters())
    frozen.set_mode(True)
    assert not module.training
    ema = teacher(dict(policy='ema'))  # no model: the student's architecture
    student = MODELS.build(STUDENT)
    copy_of_student = ema.build(student)
    assert ema.saved and type(copy_of_student) is type(student)
    assert teacher(dict(model=TEACHER, policy='cached', cache=dict(dir='c', topk=3))).build(
        student) is None
    with pytest.raises(KDConfigError, match='ckpt is required'):
        teacher(dict(model=TEACHER)).build(student)


def test_a_trainable_teacher_records_with_its_own_loss(teacher_ckpt):
    model = MODELS.build(kd_model_cfg(teacher_ckpt, teacher_policy='trainable'))
    model.train()
    data = model.data_preprocessor(digits_batch(4), training=True)
    losses = model(**data, mode='loss')
    assert {'teacher.loss', 'student.loss', 'distill.loss_kd'} <= set(losses)
    losses['teacher.loss'].backward()
    assert model.teacher.head.fc.weight.grad is not None


def test_models_in_config_tell_tools_what_each_algorithm_holds(teacher_ckpt):
    single = SingleTeacherDistill.models_in_config(kd_model_cfg(teacher_ckpt))
    assert set(single) == {'student', 'teacher'}
    assert single['student'].saved and single['student'].prefix == 'architecture.'
    assert not single['teacher'].saved and single['teacher'].key == 'model.teacher'
    ema = SingleTeacherDistill.models_in_config(
        dict(kd_model_cfg(None), teacher=None, teacher_policy='ema'))
    assert ema['teacher'].saved and ema['teacher'].config == STUDENT
    multi = MultiTeacherDistill.models_in_config(dict(
        architecture=STUDENT, teachers=dict(a=dict(model=TEACHER, ckpt='x'),
                                            b=dict(model=TEACHER, policy='trainable'))))
    assert (multi['a'].saved, multi['b'].saved) == (False, True)
    assert multi['b'].prefix == 'teachers.b.' and multi['b'].key == 'model.teachers.b.model'
    mutual = MutualLearning.models_in_config(dict(architecture=STUDENT,
                                                  peers=dict(p=dict(model=STUDENT))))
    assert mutual['p'].saved and mutual['p'].prefix == 'peers.p.'


def test_teachers_by_name_and_distillers_are_the_contract(teacher_ckpt):
    model = MODELS.build(kd_model_cfg(teacher_ckpt))
    assert list(model.teachers_by_name()) == ['teacher']
    assert model.teachers_by_name()['teacher'].policy == 'frozen'
    assert list(model.distillers()) == ['distiller']
    assert model.named_models() == dict(teacher=model.teacher)
    tested = MODELS.build(kd_model_cfg(teacher_ckpt, student_only=True))
    assert tested.named_models() == {} and tested.teacher is None


def test_multi_teacher_policies_are_those_it_runs(teacher_ckpt):
    cfg = dict(type='mmkd.MultiTeacherDistill', architecture=copy.deepcopy(STUDENT),
               teachers=dict(t1=dict(model=TEACHER, ckpt=teacher_ckpt, policy='cached',
                                     cache=dict(dir='c', topk=3))),
               distiller=dict(type='ConfigurableDistiller'))
    with pytest.raises(KDConfigError, match=r"t1.policy='cached' is not valid; choose one of "
                                            r"\['frozen', 'trainable', 'ema'\]"):
        MODELS.build(cfg)


def test_losses_declare_what_they_need_from_teachers():
    assert teacher_needs(KLDivergence()).topk == 0
    assert teacher_needs(HardLabelKD()).topk == 1
    assert teacher_needs(KDPartialTopK(k=3)).topk == 3
    assert teacher_needs(L2Loss()) == TeacherNeeds()  # declares nothing: full records

    class Wrong(torch.nn.Module):
        teacher_needs = 'topk'

    with pytest.raises(TypeError, match='must be a TeacherNeeds'):
        teacher_needs(Wrong())


def test_check_keys_names_the_key_and_the_closest_valid_one():
    with pytest.raises(KDConfigError, match=r"where: unknown key 'mdoel'.*Did you mean 'model'"):
        check_keys(dict(mdoel=1), ('model', 'ckpt'), 'where')
    check_keys(dict(model=1), ('model', 'ckpt'), 'where')
