import torch
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
def f(x, y):
    return (x ** 2 * y.sin()).sum() + (x * y).prod()
x = torch.tensor([1.0, 2.0, 0.5])
y = torch.tensor([0.3, -1.0, 2.0])
print(hessian(f, (x, y)))
print(hvp(f, (x, y), (torch.ones(3), torch.tensor([1., 0., 2.]))))
print(vhp(f, (x, y), (torch.ones(3), torch.tensor([1., 0., 2.]))))
def g(t):
    return torch.stack([t[0] * t[1], t[1].exp(), t.sum()])
print(jvp(g, torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])))
print(vjp(g, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0, 3.0])))
print(jacobian(g, torch.tensor([1.0, 2.0])))
print(hvp(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0])))
print(jvp(lambda t: t.sum(), torch.tensor(3.0)))
