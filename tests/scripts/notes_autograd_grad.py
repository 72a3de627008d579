# torch.autograd.grad: gradients returned, not accumulated; create_graph for higher orders.
import torch

x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** 3
dy_dx, = torch.autograd.grad(y.sum(), x, create_graph=True)
print(dy_dx)
d2y_dx2, = torch.autograd.grad(dy_dx.sum(), x)
print(d2y_dx2)
print(x.grad)

u = torch.tensor(1.5, requires_grad=True)
v = torch.tensor(0.5, requires_grad=True)
f = u * v + torch.sin(u)
gu, gv = torch.autograd.grad(f, [u, v])
print(gu, gv)
