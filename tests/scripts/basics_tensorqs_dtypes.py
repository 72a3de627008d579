# Learn the Basics, tensors: creation from data and from other tensors, dtypes and how they print.
import torch
import numpy as np

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data, x_data.dtype)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np)

torch.manual_seed(0)
x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(f"Random Tensor: \n {x_rand} \n")

d = torch.tensor([1.5, 2.5], dtype=torch.float64)
print(d, d * 2, (d * 2).dtype)
print(x_data / 2, x_data // 2, x_data * 1.5)
print(x_data > 2, (x_data > 2).sum(), (x_data > 2).dtype)
print(torch.arange(5), torch.arange(0, 1, 0.25), torch.zeros(2, dtype=torch.long))
print(x_data.float().mean(), x_data.double().sum())
try:
    x_data.requires_grad_()
except RuntimeError as e:
    print("RuntimeError:", e)
