# Printing tensors: precision, scientific notation and wrapping, as tutorials show them.
import torch

x = torch.tensor([1.0, 2.5, 3.25, 1000.0])
print(x)
print(torch.tensor([1e-5, 1.0, 1e5]))
print(torch.tensor([[0.1234567, 2.0], [3.0, 4.0]], requires_grad=True))
torch.set_printoptions(precision=2)
print(x / 3)
torch.set_printoptions(precision=4)
print(torch.linspace(0, 1, 12))
print(torch.arange(2000.0))
print(f"{x.sum():.2f} {x.mean().item():.6f} {x[0]}")
print("%.3f %s" % (x.max().item(), x.shape))
print("{:>8.3f}|{:<6}|{:^7}".format(x[1].item(), "ab", "mid"))
