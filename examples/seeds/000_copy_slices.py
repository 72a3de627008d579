# Seed 000, second example: out is a 1x2 matrix; the argument of backward weighs its elements.
import torch
from torch.autograd import Variable

a = Variable(torch.Tensor([[2, 4]]), requires_grad=True)
b = torch.zeros(1, 2)
b[0, 0] = a[0, 0] ** 2 + a[0, 1]
b[0, 1] = a[0, 1] ** 3 + a[0, 0]
out = 2 * b
# the argument has out's shape: its elements are the weights of the outputs
out.backward(torch.FloatTensor([[1, 2]]))
print("a=", a)
print("out=", out)
print(a.grad)  # d out / d a, weighted
