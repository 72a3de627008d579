# Index assignment into a tensor: gradients flow like PyTorch's CopySlices.
# The same math as 02/03, written with one input tensor a = [[a0, a1]].
b = zeros(1, 2)
b[0, 0] = a[0, 0]**2 + a[0, 1]
b[0, 1] = a[0, 1]**3 + a[0, 0]
out = 2 * b
