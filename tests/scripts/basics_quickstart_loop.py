# Learn the Basics, quickstart: the train and test loops of a small classifier (random data in
# place of FashionMNIST, which a script here cannot download).
import torch
from torch import nn

torch.manual_seed(0)

X_train = torch.rand(64, 1, 4, 4)
y_train = torch.randint(0, 3, (64,))
X_test = torch.rand(32, 1, 4, 4)
y_test = torch.randint(0, 3, (32,))
batch_size = 16


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4 * 4, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 3)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork()
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(X, Y, model, loss_fn, optimizer):
    size = len(X)
    model.train()
    for batch in range(size // batch_size):
        x = X[batch * batch_size:(batch + 1) * batch_size]
        y = Y[batch * batch_size:(batch + 1) * batch_size]

        # Compute prediction error
        pred = model(x)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 2 == 0:
            loss, current = loss.item(), (batch + 1) * len(x)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(X, Y, model, loss_fn):
    size = len(X)
    num_batches = size // batch_size
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for batch in range(num_batches):
            x = X[batch * batch_size:(batch + 1) * batch_size]
            y = Y[batch * batch_size:(batch + 1) * batch_size]
            pred = model(x)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


epochs = 3
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(X_train, y_train, model, loss_fn, optimizer)
    test(X_test, y_test, model, loss_fn)
print("Done!")
