#!/usr/bin/env bash
# y = 2x is not a scalar: y.backward(v) needs v; the result is 2v.
# expect: outputs.y == [2, 4, 6]
# expect: grad.x == [0.2, 0.4, 0.6]
gradcli backward "y = x*2" --at "x=[1,2,3]" --gradient 0.1,0.2,0.3 "$@"
