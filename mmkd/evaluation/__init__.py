"""Metrics of distillation runs, and the evaluator that also evaluates an algorithm's other
models."""
from .metrics import ModelComparisonMetric, TeacherStudentAgreement
from .models_evaluator import ModelsEvaluator

__all__ = ['ModelComparisonMetric', 'ModelsEvaluator', 'TeacherStudentAgreement']
