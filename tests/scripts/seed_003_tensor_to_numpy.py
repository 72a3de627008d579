# Seed 003: from a tensor to a NumPy array (they share memory).
import torch

a = torch.ones(5)
print(a)
b = a.numpy()
print(b)
print(repr(b))
