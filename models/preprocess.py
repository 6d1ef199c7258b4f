"""The one place where images become network input.

Crops are BGR uint8 arrays ``(H, W, 3)`` as OpenCV gives them; networks take float32 tensors ``(B, 3, H, W)``
with raw 0..255 values (the SiamFC/SiamRPN convention: the first BatchNorm absorbs the scale), channels kept in
BGR order so trackers never convert colour per frame.
"""
import numpy as np
import torch


def images_to_tensor(images, device="cpu") -> torch.Tensor:
    """Stack one ``(H, W, 3)`` image or a sequence/array of them into a float32 ``(B, 3, H, W)`` tensor."""
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"expected (H, W, 3) images, got shape {arr.shape}")
    tensor = torch.from_numpy(np.ascontiguousarray(arr)).to(device=device, dtype=torch.float32)
    return tensor.permute(0, 3, 1, 2).contiguous()
