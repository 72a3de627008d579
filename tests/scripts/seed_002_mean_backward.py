# Seed 002 (a post on the arguments of backward), basic use: z is a scalar.
import torch

# a tensor that requires grad, so that operations on it are tracked
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

# a small graph
y = x * 2
z = y.mean()

# backpropagate
z.backward()

# the gradient of x
print(x.grad)
