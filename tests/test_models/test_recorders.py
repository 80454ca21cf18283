import copy
import sys
import types

import pytest
import torch
import torch.nn as nn

from mmkd.models.recorders import (FunctionOutputs, MethodOutputs, ModuleInputs,
                                   ModuleOutputs, Parameter, RecorderManager)
from mmkd.utils import KDConfigError


class Toy(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = self.act(self.fc1(x))
        x = self.act(self.fc1(x))  # fc1 and act run twice
        return self.fc2(x)

    def features(self, x):
        return self.fc1(x), self.fc2(self.fc1(x))


def test_module_outputs_records_each_call_and_is_cleared_per_step():
    model, rec = Toy(), ModuleOutputs('fc1')
    rec.initialize(model)
    x = torch.randn(3, 4)
    with rec:
        model(x)
    assert len(rec.data_buffer) == 2
    first = model.fc1(x)
    torch.testing.assert_close(rec.get_record_data(0), first)
    torch.testing.assert_close(rec.get_record_data(1), model.fc1(torch.relu(first)))
    with pytest.raises(IndexError, match='record_idx=2'):
        rec.get_record_data(2)
    model(x)  # not recording outside the context
    assert len(rec.data_buffer) == 2
    with rec:
        pass
    assert rec.data_buffer == []


def test_module_outputs_survive_inplace_ops_and_hooks_are_removed():
    model, rec = Toy(), ModuleOutputs('fc1')
    rec.initialize(model)
    x = torch.randn(5, 4)
    with rec:
        model(x)
    # the inplace ReLU after fc1 would have zeroed negatives in an uncopied record
    assert (rec.get_record_data(0) < 0).any()
    rec.remove()
    assert not model.fc1._forward_hooks


def test_module_outputs_record_equals_bn2_in_resnet_basic_block():
    from mmpretrain.models import ResNet
    net = ResNet(depth=18, base_channels=8, stem_channels=8)
    net.eval()  # mmpretrain's ResNet.train() does not return self
    rec = ModuleOutputs('layer1.0.bn2')
    rec.initialize(net)
    x = torch.randn(2, 3, 32, 32)
    with rec, torch.no_grad():
        net(x)
    block = net.layer1[0]
    with torch.no_grad():
        inp = net.maxpool(net.relu(net.norm1(net.conv1(x))))
        expected = block.norm2(block.conv2(block.relu(block.norm1(block.conv1(inp)))))
    # mmpretrain's BasicBlock does `out += identity` right after norm2 (named bn2 elsewhere)
    torch.testing.assert_close(rec.get_record_data(), expected)
    assert not torch.allclose(expected, expected + inp)


def test_module_inputs_records_pre_activation_of_inplace_relu():
    model, rec = Toy(), ModuleInputs('act')
    rec.initialize(model)
    x = torch.randn(6, 4)
    with rec:
        model(x)
    pre = rec.get_record_data(0)
    torch.testing.assert_close(pre, model.fc1(x))
    assert (pre < 0).any()
    assert torch.equal(rec.get_record_data(0, data_idx=0), pre)


def test_tuple_outputs_are_indexed_with_data_idx():
    model = nn.Module()
    model.inner = Toy()
    manager = RecorderManager(dict(feats=dict(type='MethodOutputs', source='inner.features')))
    manager.initialize(model)
    x = torch.randn(2, 4)
    with manager:
        model.inner.features(x)
    rec = manager.get_recorder('feats')
    torch.testing.assert_close(rec.get_record_data(0, data_idx=1), model.inner.features(x)[1])
    tensor_record = ModuleOutputs('fc1')
    tensor_record.data_buffer = [torch.zeros(1)]
    with pytest.raises(TypeError, match='data_idx'):
        tensor_record.get_record_data(0, data_idx=0)


def test_method_outputs_is_scoped_to_one_model_and_removable():
    a, b = Toy(), Toy()
    rec = MethodOutputs('.features')
    rec.initialize(a)
    x = torch.randn(2, 4)
    with rec:
        b.features(x)
        assert rec.data_buffer == []
        a.features(x)
        assert len(rec.data_buffer) == 1
        # a deep copy (e.g. an EMA model) computes with its own weights
        c = copy.deepcopy(a)
        with torch.no_grad():
            c.fc1.weight.add_(1.0)
        torch.testing.assert_close(c.features(x)[0], c.fc1(x))
    assert 'features' in a.__dict__ and 'features' not in b.__dict__  # class untouched
    rec.remove()
    assert 'features' not in a.__dict__


def test_method_outputs_by_class_path_records_all_instances_in_model():
    from helpers import STUDENT, build_classifier
    model = build_classifier(STUDENT)
    rec = MethodOutputs('mmpretrain.models.heads.ClsHead.pre_logits')
    rec.initialize(model)
    with rec:
        model(torch.randn(2, 1, 8, 8), mode='tensor')
    assert rec.get_record_data().shape == (2, 16)
    with pytest.raises(KDConfigError, match='no method'):
        MethodOutputs('head.pre_logit').initialize(model)


def test_function_outputs_records_and_restores():
    mod = types.ModuleType('mmkd_test_fn_module')
    mod.double = lambda x: 2 * x
    sys.modules[mod.__name__] = mod
    try:
        original = mod.double
        rec = FunctionOutputs('mmkd_test_fn_module.double')
        rec.initialize(nn.Identity())
        mod.double(torch.ones(1))
        with rec:
            out = mod.double(torch.ones(2))
        assert len(rec.data_buffer) == 1 and torch.equal(rec.get_record_data(), out)
        rec.remove()
        assert mod.double is original
        with pytest.raises(KDConfigError, match='Did you mean'):
            FunctionOutputs('mmkd_test_fn_module.doubel').initialize(nn.Identity())
    finally:
        del sys.modules[mod.__name__]


def test_parameter_recorder_returns_the_parameter_itself():
    model = Toy()
    rec = Parameter('fc2.weight')
    rec.initialize(model)
    with rec:
        pass
    assert rec.get_record_data() is model.fc2.weight
    with pytest.raises(KDConfigError, match="fc2.weight"):
        Parameter('fc2.weigth').initialize(model)


def test_misspelt_source_suggests_close_module_names():
    manager = RecorderManager(dict(x=dict(type='ModuleOutputs', source='fc_1')), key='k')
    with pytest.raises(KDConfigError, match=r"k\.x\.source.*Did you mean 'fc1'"):
        manager.initialize(Toy())


def test_unknown_recorder_type_is_a_config_error():
    with pytest.raises(KDConfigError, match="ModuleOutput.*Did you mean 'ModuleOutputs'"):
        RecorderManager(dict(x=dict(type='ModuleOutput', source='fc1')))


def test_stop_when_complete_skips_the_rest_of_the_forward():
    model = Toy()
    calls = []
    model.fc2.register_forward_hook(lambda *a: calls.append(1))
    manager = RecorderManager(dict(h=dict(type='ModuleOutputs', source='fc1')))
    manager.initialize(model)
    manager.stop_when_complete = True
    x = torch.randn(2, 4)
    with manager:
        model(x)  # the first pass runs fully and counts the records
    assert len(calls) == 1
    with manager:
        model(x)
    assert len(calls) == 1  # fc2 did not run the second time
    assert len(manager.get_recorder('h').data_buffer) == 2  # both fc1 calls were recorded
