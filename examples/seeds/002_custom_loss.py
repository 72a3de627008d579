# Seed 002: a loss function of one's own; backward differentiates it all the same.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)


# the custom loss
def custom_loss(y):
    return torch.sum(y ** 2)


# forward
y = x * 2
loss = custom_loss(y)

# backward
loss.backward()

# the gradient of x
print(x.grad)
