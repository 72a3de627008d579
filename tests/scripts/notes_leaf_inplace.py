# Autograd mechanics: an in-place operation on a leaf that requires grad is refused, outside
# torch.no_grad(); inside it, it is how weights are updated.
import torch

w = torch.ones(3, requires_grad=True)
with torch.no_grad():
    w -= 0.5
print(w)
print(w.is_leaf, w.requires_grad)
w.add_(1)
print("never printed")
