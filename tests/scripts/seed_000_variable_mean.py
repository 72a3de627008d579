# Seed 000 (blog post "Pytorch中使用backward 求导详解"), first example: out is a scalar,
# so out.backward() needs no argument.
import torch
from torch.autograd import Variable

# a tensor holding [2, 3]; a Variable does not require grad unless asked with requires_grad=True
a = Variable(torch.Tensor([2, 3]), requires_grad=True)
b = a + 3
c = b * 3
out = c.mean()  # the mean
out.backward()
print("a=", a)
print("out=", out)
print(a.grad)  # d out / d a
