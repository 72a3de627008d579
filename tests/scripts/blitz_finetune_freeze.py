# "A Gentle Introduction to torch.autograd": frozen parameters. Freeze a model, replace its last
# layer, and only the new layer gets gradients (a small model stands in for the tutorial's ResNet).
import torch
from torch import nn, optim

torch.manual_seed(0)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Linear(8, 4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.features(x)))


model = Backbone()

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(4, 2)
print(model)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

data = torch.rand(5, 8)
labels = torch.rand(5, 2)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
print(model.features.weight.grad)
print(model.fc.weight.grad)
optimizer.step()
print([name for name, p in model.named_parameters() if p.requires_grad])
