# Seed 002: training a network. backward computes the gradients, the optimizer updates.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)  # added: the post does not seed, and prints nothing of the weights


# a small network
class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)


# model, loss and optimizer
model = SimpleNet()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

# an input
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

# forward
output = model(x)

# loss
loss = criterion(output, torch.tensor([1.0]))

# backward
loss.backward()

# update the parameters
optimizer.step()
