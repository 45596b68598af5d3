"""CivilNet as a user keeps it: a plain nn.Module in models/, converted through torch.export.

    pt2tf convert -i examples/civilnet.pth --model models/civilnet.py:CivilNet -o civilnet.pb

pt2tf imports this file with your Python (--python, $PT2TF_PYTHON or the active venv), builds
CivilNet(**--model-args), loads the state_dict strictly and exports it; the conversion itself
is native. This is the one path that executes code, and it is this file's code, never the
checkpoint's (it is read with torch.load(weights_only=True)). models/civilnet.cpp is the C++
route for the same network; examples/civilnet.py is the PyTorch side the tests use.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPE = (1, 3, 32, 32)  # used when --input-shape is not given


class CivilNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

