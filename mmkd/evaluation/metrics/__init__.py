from .model_comparison import ModelComparisonMetric
from .teacher_student_agreement import TeacherStudentAgreement

__all__ = ['ModelComparisonMetric', 'TeacherStudentAgreement']
