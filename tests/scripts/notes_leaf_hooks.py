import torch
w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
h = w.register_hook(lambda g: g.clamp(min=0))
seen = []
h2 = w.register_hook(lambda g: seen.append(g.clone()))
(w * w).sum().backward()
print(w.grad, seen)
h.remove()
w.grad = None
(w * w).sum().backward()
print(w.grad, len(seen))
g, = torch.autograd.grad((w ** 3).sum(), w)
print(g, len(seen))
print(h)
