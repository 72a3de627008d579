#!/usr/bin/env bash
# Two backward calls accumulate (retain_graph=True in PyTorch): 2 * (2/3) each.
# expect: grad.x == [1.3333333333333333, 1.3333333333333333, 1.3333333333333333]
gradcli backward "z = (x*2).mean()" --at "x=[1,2,3]" --gradient 1 --gradient 1 "$@"
