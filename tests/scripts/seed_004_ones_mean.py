# Seed 004 (a post on the autograd package), the worked example: out = mean(3 (x + 2)^2).
import torch

# x with requires_grad=True ("requries_grad" in the post's text)
x = torch.ones(2, 2, requires_grad=True)
z = (x + 2) * (x + 2) * 3
out = z.mean()

# d(out)/dx
out.backward()
print(x.grad)
