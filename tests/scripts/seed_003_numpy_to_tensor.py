# Seed 003: from a NumPy array to a tensor (float64 stays float64).
import torch
import numpy as np

a = np.ones(5)
b = torch.from_numpy(a)
print(b)
