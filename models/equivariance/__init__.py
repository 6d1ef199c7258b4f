"""IEN machinery (Khetan et al., *Implicit Equivariance in Convolutional Networks*, arXiv 2111.14157)."""
from models.equivariance.groups import ChannelGroups

__all__ = ["ChannelGroups"]
