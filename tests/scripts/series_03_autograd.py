# A video tutorial series ("PyTorch Tutorial 03 - Gradient Calculation With Autograd"):
# gradients, vector-Jacobian products, stopping the tracking, and zeroing accumulated grads.
import torch

torch.manual_seed(0)  # added: the video's random values cannot be repeated otherwise

x = torch.randn(3, requires_grad=True)
print(x)

y = x + 2
print(y)
z = y * y * 2
z = z.mean()
print(z)

z.backward()  # dz/dx
print(x.grad)

x = torch.randn(3, requires_grad=True)
y = x + 2
z = y * y * 2
v = torch.tensor([0.1, 1.0, 0.001], dtype=torch.float32)
z.backward(v)
print(x.grad)

# three ways to stop tracking
x.requires_grad_(False)
print(x)
x = torch.randn(3, requires_grad=True)
y = x.detach()
print(y)
with torch.no_grad():
    y = x + 2
    print(y)

weights = torch.ones(4, requires_grad=True)

for epoch in range(3):
    model_output = (weights * 3).sum()

    model_output.backward()

    print(weights.grad)

    weights.grad.zero_()
