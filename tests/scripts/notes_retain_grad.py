# The .grad of a non-leaf tensor is None (with PyTorch's warning) unless retain_grad() asks for it.
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
z = y.pow(2).sum()
y.retain_grad()
z.backward()
print(x.grad)
print(y.grad)
print(y.is_leaf, z.is_leaf, x.is_leaf)
print(y.retains_grad, x.retains_grad)
