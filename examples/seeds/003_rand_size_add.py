# Seed 003 (a "pytorch入门" post), first steps: a random matrix, its size, a sum.
import torch

torch.manual_seed(0)  # added: the post's random values cannot be repeated otherwise

x = torch.rand(5, 3)
print(x)

# NumPy says shape, PyTorch says size
print(x.size())

x = torch.rand(5, 3)
y = torch.rand(5, 3)
print(x)
print(y)
add = x + y  # add = torch.add(x, y)
print(add)
