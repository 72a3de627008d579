# "The Fundamentals of Autograd": autograd and in-place operations. Writing the result of
# sin into its own input, which requires grad, is refused.
import torch
import math

a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a.is_leaf)
a.sin_()
print("never printed")
