# Seed 001 (a post on scalar and non-scalar backward): leaves, non-leaves, grad_fn, and the
# gradient of z = w x + b.
import torch

# the input x
x = torch.Tensor([2])
# weights w and bias b, with requires_grad=True so that autograd differentiates them
w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
# the forward pass
y = torch.mul(w, x)
z = torch.add(y, b)
# requires_grad of x and y
print(x.requires_grad)
print(y.requires_grad)
# y depends on w, so it requires grad too

# requires_grad of the non-leaf y
print(y.requires_grad)
# which nodes are leaves
print(x.is_leaf)
print(y.is_leaf)
# leaves: x, w, b; non-leaves: y, z
# grad_fn of a leaf, and of a non-leaf
print("x的grad_fn属性:", x.grad_fn)
print("y的grad_fn属性:", y.grad_fn)

# backpropagate from z; the graph is freed afterwards
z.backward()
# x does not require grad: its gradient is None
print("x的梯度是:", x.grad)
print("w的梯度是:", w.grad)
