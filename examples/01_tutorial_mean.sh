#!/usr/bin/env bash
# PyTorch "A Gentle Introduction to torch.autograd": out = mean(3 * (a + 3)).
# d out / d a_i = 3 / 2 for each of the two elements.
# expect: outputs.out == 16.5
# expect: grad.a == [1.5, 1.5]
gradcli backward "b = a + 3; c = b * 3; out = c.mean()" --at "a=[2,3]" "$@"
