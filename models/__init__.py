"""Networks: backbones, necks, heads, the model builder, and the IEN equivariance machinery."""
