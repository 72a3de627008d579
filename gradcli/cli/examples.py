"""What each command's --help ends with: a one-line summary for `gradcli --help`, and two or
three examples that run as written (tests/test_help.py runs every one of them).

Examples are plain data, not code: cli/app.py hands them to Typer as epilogs. Each line stays
within 76 characters, so that the help reads whole at 80 columns (click does not wrap them); a
line ending in a backslash continues on the next, as in a shell.
"""
from __future__ import annotations

SUMMARY = {
    "eval": "the outputs",
    "backward": "out.backward(v): vᵀJ for every input",
    "grad": "the gradient of the one scalar output",
    "jacobian": "the full Jacobian (a heat map when it is big)",
    "jvp": "J v, forward mode, in one pass",
    "hessian": "the Hessian of a scalar output; --tangent V: H v",
    "derivative": "d/dx, d²/dx², ... in one input, up to --order N",
    "check": "autograd against finite differences (exit 1 if not)",
    "symbolic": "the outputs and derivatives as formulas (SymPy)",
    "explain": "the chain rule, step by step",
    "graph": "the computation graph (tree, DOT, SVG)",
    "plot": "a function and its derivatives along one input",
    "run": "run a PyTorch autograd script without PyTorch",
}

EXAMPLES = {
    "gradcli": [
        'gradcli grad "f = x**2 * y + sin(y)" --at x=1,y=2',
        'gradcli jacobian "b0 = a0**2 + a1; b1 = a1**3 + a0" --at a0=2,a1=4 --json',
        'gradcli plot "y = sin(x)" --over x=-pi:pi',
    ],
    "eval": [
        'gradcli eval "y = x**2 + 1" --at x=3',
        'gradcli eval "y = W @ x" --at "W=[[1,2],[3,4]],x=[1,1]" --json',
        'gradcli eval "m = X.mean(0)" --at "X=randn(500,10)"',
    ],
    "backward": [
        'gradcli backward "b = a + 3; c = b * 3; out = c.mean()" --at a=2,3',
        'gradcli backward "o0 = a0**2 + a1; o1 = a1**3" --at a0=2,a1=4 --gradient 1,2',
        'gradcli backward "y = w*x + b" --at x=2,w=0.5,b=-1 --wrt w,b --json',
    ],
    "grad": [
        'gradcli grad "f = x**2 * y + sin(y)" --at x=1,y=2',
        'gradcli grad "loss = ((X @ w - t)**2).mean()" --wrt w \\',
        '    --at "X=randn(100,3),w=zeros(3),t=randn(100)"',
        "printf '{\"x\":1}\\n{\"x\":2}\\n' | gradcli grad \"f = x**3\" --points -",
    ],
    "jacobian": [
        'gradcli jacobian "b0 = a0**2 + a1; b1 = a1**3 + a0" --at a0=2,a1=4',
        'gradcli jacobian "y = sin(x) * cumsum(x)" --at "x=linspace(0,3,40)"',
        'gradcli jacobian "y = tanh(W @ x)" --at "W=randn(50,50),x=randn(50)" \\',
        '    --save J.npz --svg J.svg',
    ],
    "jvp": [
        'gradcli jvp "y = x**2" --at x=1,2,3 --tangent 1,0,0',
        'gradcli jvp "u = a*b; v = a + b" --at a=2,b=3 --tangent a=1 --json',
    ],
    "hessian": [
        'gradcli hessian "f = x**2 * y + y**3" --at x=1,y=2',
        'gradcli hessian "f = (x**4).sum()" --at x=1,2,3 --tangent 1,0,0',
        'gradcli hessian "f = (x[1:] * x[:-1]**2).sum()" --at "x=ones(100)" --sparse',
    ],
    "derivative": [
        'gradcli derivative "y = sin(x)" --at x=0 --order 4',
        'gradcli derivative "y = exp(-t**2)" --at t=0.5 --order 3 --json',
    ],
    "check": [
        'gradcli check "y = sin(x) * x" --at x=1,2',
        'gradcli check "y = logsumexp(x, 0)" --at x=1,2,3 --json',
    ],
    "symbolic": [
        'gradcli symbolic "y = x**2 * sin(x)"',
        'gradcli symbolic "f = x*y + exp(x)" --latex',
        'gradcli symbolic "y = W @ x" --at "W=ones(2,2),x=[1,2]"',
    ],
    "explain": [
        'gradcli explain --at a0=2,a1=4 --gradient 1,2 \\',
        '    "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1"',
        'gradcli explain "y = (x * x).sum()" --at x=1,2',
    ],
    "graph": [
        'gradcli graph "b = a + 3; c = b * 3; out = c.mean()" --at a=2,3',
        'gradcli graph "y = tanh(W @ x + b)"',
        'gradcli graph "y = mm(a, w)" --at "a=ones(2,3),w=ones(3,1)" --dot',
    ],
    "plot": [
        'gradcli plot "y = sin(x)" --over x=-pi:pi',
        'gradcli plot "y = x**3" --over x=-2:2 --order 2 --svg cubic.svg',
        'gradcli plot "y = a*exp(-x**2)" --over x=-3:3:50 --at a=2 --json',
    ],
    "run": [
        "gradcli run tutorial.py",
        "echo 'import torch; x = torch.tensor(2.0, requires_grad=True);' \\",
        "    '(x**3).backward(); print(x.grad)' | gradcli run -",
    ],
}

COMPLETION = [
    "gradcli --install-completion      (for the shell you use: bash, zsh, fish)",
    "gradcli --show-completion zsh     (print the script, to install yourself)",
]


def epilog(command: str) -> str:
    """The text after the options: the examples, kept as written (click's \\b: no rewrapping)."""
    lines = ["Examples:", "", "\b", *("  " + e for e in EXAMPLES[command])]
    if command == "gradcli":
        lines += ["", "Shell completion:", "", "\b", *("  " + c for c in COMPLETION)]
    return "\n".join(lines)
