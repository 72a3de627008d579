import torch
x = torch.ones(3, requires_grad=True)
y = x * 2
v = y.view(3)
print(y._version, v._version)
y.add_(1)
print(y, y._version, v._version, y.grad_fn)
z = y.exp()
y.mul_(2)
try:
    z.sum().backward()
except RuntimeError as e:
    print(e)
w = torch.zeros(4)
d = w.data
w.add_(1)
print(w, d, w._version, d._version)
a = torch.zeros(2, 2)
a[0] = torch.tensor([1., 2.])
a[:, 1] += 5
print(a)
q = torch.ones(3, requires_grad=True)
r = q.detach()
r.zero_()
print(q, r)
