# Seed 002: gradient clipping between backward and the optimizer step.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)  # added: the post does not seed, and prints nothing of the weights


class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)


model = SimpleNet()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

output = model(x)

loss = criterion(output, torch.tensor([1.0]))

loss.backward()

# clip the gradients
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)

optimizer.step()
