# Seed 003: how autograd differentiates: x must be floating point to require grad;
# y = 2 x^2 + b summed, so dy/dx = 4x.
import torch

torch.manual_seed(0)  # added: the post's random values cannot be repeated otherwise

x = torch.randn(3, 4, requires_grad=True)
print(x)

b = torch.randn(3, 4, requires_grad=True)
print(b)
t = 2 * x * x + b
y = t.sum()
print(y)

y.backward()

print(x.requires_grad, b.requires_grad, t.requires_grad)

print(x.grad)
print(torch.equal(x.grad, 4 * x))
