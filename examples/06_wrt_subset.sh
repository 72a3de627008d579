#!/usr/bin/env bash
# Only w and b require grad: x is a constant, and its gradient is null (PyTorch: None).
# expect: outputs.y == 0
# expect: grad.w == 2
# expect: grad.b == 1
# expect: grad.x == null
gradcli backward "y = w*x + b" --at x=2,w=0.5,b=-1 --wrt w,b "$@"
