#!/usr/bin/env bash
# out = mean(3 (x + 2)^2) over 4 elements: d out / d x = 6 (x + 2) / 4 = 4.5 at x = 1.
# expect: outputs.out == 27
# expect: grad.x == [[4.5, 4.5], [4.5, 4.5]]
gradcli backward "z = (x+2)*(x+2)*3; out = z.mean()" --at "x=ones(2,2)" "$@"
