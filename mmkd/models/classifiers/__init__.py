from .logit_ensemble import LogitEnsemble

__all__ = ['LogitEnsemble']
