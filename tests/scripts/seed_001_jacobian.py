# Seed 001, non-scalar backward: the Jacobian of y with respect to x, one row per backward call.
import torch

# the leaf x, of shape 1x2
x = torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
print(x)
# the Jacobian, to be filled
J = torch.zeros(2, 2)
print(J[0])
# the target y, of shape 1x2
y = torch.zeros(1, 2)
# y1 = x1**2 + 3*x2
# y2 = x2**2 + 2*x1
y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
print(y)

# the gradient of y1 with respect to x; keep the graph for the second call
y.backward(torch.Tensor([[1, 0]]), retain_graph=True)
J[0] = x.grad
# gradients accumulate: clear x's before the second call
x.grad = torch.zeros_like(x.grad)
# the gradient of y2 with respect to x
y.backward(torch.Tensor([[0, 1]]))
J[1] = x.grad
# the Jacobian
print(J)
