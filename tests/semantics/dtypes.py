import torch
i = torch.tensor([1, 2, 3])
f = torch.tensor([0.5, 1.5, 2.5])
d = torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)
b = torch.tensor([True, False, True])
for name, v in [("i+i", i + i), ("i*2.5", i * 2.5), ("i/2", i / 2), ("i//2", i // 2), ("f+d", f + d),
                ("f*torch.tensor(2.)", f * torch.tensor(2., dtype=torch.float64)), ("b+b", b + b),
                ("i+b", i + b), ("i>1", i > 1), ("f.sum()", f.sum()), ("i.sum()", i.sum()), ("b.sum()", b.sum()),
                ("i.float()", i.float()), ("d.to(torch.float32)", d.to(torch.float32)), ("i % 2", i % 2),
                ("f % 1", f % 1), ("-f", -f), ("~b", ~b), ("b & (i > 1)", b & (i > 1)),
                ("torch.zeros(2, dtype=torch.int64) + 0.5", torch.zeros(2, dtype=torch.int64) + 0.5)]:
    print(name, v, v.dtype)
