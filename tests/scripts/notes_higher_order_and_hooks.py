import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
dy, = torch.autograd.grad(y, x, create_graph=True)
d2y, = torch.autograd.grad(dy, x)
print(dy, d2y)
def f(x):
    return (x ** 2).sum()
from torch.autograd.functional import jacobian, hessian
print(jacobian(lambda t: t ** 2, torch.tensor([1., 2.])))
print(hessian(f, torch.tensor([1., 2.])))
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)
v.sum().backward()
print(v.grad)
a = torch.arange(6.).reshape(2, 3)
print(a, a.mean(dim=1), a.std())
print(torch.softmax(a, dim=1))
