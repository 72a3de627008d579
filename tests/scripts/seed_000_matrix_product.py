# Seed 000, third example: the gradient of a matrix product with respect to the weights.
import torch
from torch.autograd import Variable

a = Variable(torch.Tensor([[2, 3], [1, 2]]), requires_grad=True)
w = Variable(torch.ones(2, 1), requires_grad=True)
out = torch.mm(a, w)
# the argument has out's shape: its elements are the weights of the outputs
out.backward(torch.FloatTensor([[1], [1]]))
print("gradients are:{}".format(w.grad.data))
