"""IEN machinery (Khetan et al., *Implicit Equivariance in Convolutional Networks*, arXiv 2111.14157).

``groups``: channel layout; ``actions``: groups acting on images and feature maps; ``loss``: the equivariance
term; ``metric``: the normalised equivariance error; ``reference``: an equivariant-by-construction yardstick.
"""
from models.equivariance.actions import act_features, align_features, make_group
from models.equivariance.groups import ChannelGroups
from models.equivariance.loss import EquivarianceLoss
from models.equivariance.metric import equivariance_error, response_error

__all__ = ["ChannelGroups", "EquivarianceLoss", "act_features", "align_features", "equivariance_error",
           "make_group", "response_error"]
