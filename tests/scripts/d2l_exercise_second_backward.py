# Dive into Deep Learning 2.5, exercise: what happens on a second backward through the same graph?
import torch

x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
y.backward(retain_graph=True)
print(x.grad)
y.backward()  # the graph was kept, so this works; gradients accumulate
print(x.grad)
y.backward()  # the graph is freed now: PyTorch's RuntimeError
print("never printed")
