"""Metrics of distillation runs."""
from .metrics import ModelComparisonMetric, TeacherStudentAgreement

__all__ = ['ModelComparisonMetric', 'TeacherStudentAgreement']
