# Seed 002: the gradient argument, for a non-scalar output.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

y = x * 2

# backpropagate with an explicit starting gradient
y.backward(gradient=torch.tensor([0.1, 0.2, 0.3]))

print(x.grad)
