from .dcgan_generator import DCGANGenerator

__all__ = ['DCGANGenerator']
