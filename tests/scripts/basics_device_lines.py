# Learn the Basics: the device lines tutorials start with, then a model and tensors moved there.
import torch
from torch import nn

device = torch.accelerator.current_accelerator().type if hasattr(torch, "accelerator") and torch.accelerator.is_available() else "cpu"
device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"Using {device} device")

torch.manual_seed(0)
model = nn.Linear(3, 2).to(device)
x = torch.ones(1, 3, device=device, requires_grad=True)
y = model(x)
print(y.device, y)
y.sum().backward()
print(x.grad)
print(torch.device(device), repr(torch.device(device)))
