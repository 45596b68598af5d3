// Everything a model file needs: nn::Module, the layers, and nn::F (functional ops).
#pragma once

#include "nn/functional.h"
#include "nn/layers.h"
#include "nn/module.h"
