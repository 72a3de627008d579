"""The PyTorch CPU side of bench/mlp.py: load the .npy files, float64, backward, np.savez the gradients.

    python bench/torch_mlp.py DATA_DIR OUT.npz

Written as a person would write it with PyTorch; timed as a whole process, imports included,
just as the gradcli command it is compared with.
"""
import sys

import numpy as np
import torch


def main(data: str, out: str) -> None:
    def load(name, grad=False):
        return torch.from_numpy(np.load(f"{data}/{name}.npy")).to(torch.float64).requires_grad_(grad)

    x, t = load("x"), load("t")
    W1, b1, W2, b2 = (load(n, grad=True) for n in ("W1", "b1", "W2", "b2"))
    h = torch.tanh(x @ W1 + b1)
    y = h @ W2 + b2
    loss = torch.mean((y - t) ** 2)
    loss.backward()
    np.savez(out, loss=loss.detach().numpy(), W1=W1.grad.numpy(), b1=b1.grad.numpy(),
             W2=W2.grad.numpy(), b2=b2.grad.numpy())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
