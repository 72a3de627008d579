#!/usr/bin/env bash
# y[0,0] = x0^2 + 3 x1, y[0,1] = x1^2 + 2 x0 at x = [[2, 3]]: J = [[2 x0, 3], [2, 2 x1]].
# expect: outputs.y == [[13, 13]]
# expect: matrix == [[4, 3], [2, 6]]
# expect: rows == ["y[0,0]", "y[0,1]"]
gradcli jacobian "y = zeros(1,2); y[0,0] = x[0,0]**2 + 3*x[0,1]; y[0,1] = x[0,1]**2 + 2*x[0,0]" --at "x=[[2,3]]" "$@"
