# torch.autograd.backward and Tensor.backward: several outputs at once, and inputs= to
# accumulate only into some leaves.
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, -1.0], requires_grad=True)
y1 = (x * w).sum()
y2 = (x ** 2).sum()
torch.autograd.backward([y1, y2])
print(x.grad, w.grad)

x.grad = None
w.grad = None
y = (x * w * w).sum()
y.backward(inputs=[w])
print(x.grad, w.grad)
