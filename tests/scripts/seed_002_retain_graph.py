# Seed 002: retain_graph keeps the graph for a second backward; gradients accumulate.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

y = x * 2
z = y.mean()

# first backward, keeping the graph
z.backward(retain_graph=True)

print(x.grad)

# second backward
z.backward()

print(x.grad)
