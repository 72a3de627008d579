# Higher-order gradients: differentiate a gradient again, through backward(create_graph=True).
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 4 + torch.sin(x)
y.backward(create_graph=True)
g = x.grad
print(g)
print(g.requires_grad)
x.grad = None
g.backward()
print(x.grad)

# the same with torch.autograd.grad
z = torch.tensor([1.0, 2.0], requires_grad=True)
f = (z ** 3).sum()
(grad_z,) = torch.autograd.grad(f, z, create_graph=True)
hessian_diag = torch.autograd.grad(grad_z.sum(), z)[0]
print(grad_z, hessian_diag)
