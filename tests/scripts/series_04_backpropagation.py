# The same series, "04 - Backpropagation": one weight, one example, the squared error.
import torch

x = torch.tensor(1.0)
y = torch.tensor(2.0)

w = torch.tensor(1.0, requires_grad=True)

# forward pass and compute the loss
y_hat = w * x
loss = (y_hat - y) ** 2

print(loss)

# backward pass
loss.backward()
print(w.grad)

# update weights, then the next forward and backward pass
with torch.no_grad():
    w -= 0.01 * w.grad
w.grad.zero_()
y_hat = w * x
loss = (y_hat - y) ** 2
loss.backward()
print(w, loss, w.grad)
