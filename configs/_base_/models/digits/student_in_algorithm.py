# The digits student as an algorithm's architecture; method configs add the rest of the model.
_base_ = ['./convnets.py']
model = dict(architecture={{_base_.student_model}})
