"""CivilNet: the reference example network (the PyTorch side of models/civilnet.cpp).

conv1 3->6 k5, 2x2 max-pool, conv2 6->16 k5, fc1 400->120, fc2 120->84, fc3 84->10, ReLU after
each but the last; input 1x3x32x32. Two plain attributes ride along: a string and a 1x1 zeros
tensor that is neither a parameter nor a buffer, so a whole-model pickle holds them but the
state_dict does not. Tests import this module; keep the class defined here only.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPE = (1, 3, 32, 32)


class CivilNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.name = "CivilNet"          # a plain string attribute
        self.zeros = torch.zeros(1, 1)  # a plain tensor attribute: not in state_dict()

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def make_civilnet(seed=0):
    """A CivilNet with reproducible weights (fixed seed), in eval mode."""
    torch.manual_seed(seed)
    return CivilNet().eval()


def as_main_class(model):
    """Makes `model` pickle as `__main__.CivilNet`, as it would from a user's script."""
    import __main__
    CivilNet.__module__ = "__main__"
    __main__.CivilNet = CivilNet
    return model
