from .configurable_distiller import ConfigurableDistiller

# Several teachers are several record sources of the one distiller; the name stays for configs.
MultiTeacherDistiller = ConfigurableDistiller

__all__ = ['ConfigurableDistiller', 'MultiTeacherDistiller']
