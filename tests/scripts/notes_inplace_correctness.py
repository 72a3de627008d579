# Autograd mechanics notes: in-place correctness checks. Every tensor keeps a version counter;
# a tensor saved for backward and modified in place since is PyTorch's error.
import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.sigmoid()  # sigmoid saves its output for the backward pass
print(b._version)
b.mul_(2)  # an in-place change of the saved output
print(b._version)
print(b)
b.sum().backward()
print("never printed")
