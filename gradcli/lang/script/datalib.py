"""torch.utils.data (TensorDataset, DataLoader) and torch.optim.lr_scheduler, as tutorials use them.

A DataLoader draws from PyTorch's default generator exactly as PyTorch's does: each pass over it
first draws a base seed (for workers, even when there are none), then, when shuffling, the seed
of a fresh generator whose randperm orders the samples. So a seeded tutorial's batches come in
PyTorch's order.
"""
from __future__ import annotations

import math

from . import objects, runtime
from .errors import ScriptError, type_error, value_error
from .namespaces import Namespace
from .objects import NativeClass
from .tensor import STensor


class TensorDataset:
    script_type_name = "TensorDataset"

    def __init__(self, *tensors):
        if not tensors or any(type(t) is not STensor for t in tensors):
            raise type_error("TensorDataset() takes tensors")
        n = tensors[0].t.data.shape[0] if tensors[0].t.data.ndim else None
        if n is None or any(t.t.data.ndim == 0 or t.t.data.shape[0] != n for t in tensors):
            raise ScriptError("AssertionError", "Size mismatch between tensors")
        self.tensors = tensors

    def script_len(self):
        return self.tensors[0].t.data.shape[0]

    def script_getitem(self, index):
        from .attributes import get_item  # noqa: PLC0415
        return tuple(get_item(t, index) for t in self.tensors)

    def script_getattr(self, name):
        if name == "tensors":
            return self.tensors
        raise ScriptError("AttributeError", f"'TensorDataset' object has no attribute '{name}'")

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch.utils.data.dataset.TensorDataset object at {address(self)}>"


class DataLoader:
    script_type_name = "DataLoader"

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, **others):
        if not isinstance(dataset, TensorDataset) and type(dataset) not in (list, tuple):
            raise type_error("gradcli's DataLoader takes a TensorDataset or a list")
        if sampler is not None or batch_sampler is not None or collate_fn is not None:
            raise type_error("DataLoader(sampler=, batch_sampler=, collate_fn=) are not supported by gradcli")
        if batch_size is not None and (type(batch_size) is not int or batch_size <= 0):
            raise value_error(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, bool(shuffle), drop_last

    def _size(self) -> int:
        from .pyvalues import _len  # noqa: PLC0415
        return _len(self.dataset)

    def script_len(self):
        n = self._size()
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def script_iter(self):
        generator = runtime.RT.generator
        generator.randint(0, 2 ** 63, ())  # the base seed PyTorch draws for its workers
        n = self._size()
        if self.shuffle:
            from .random import Generator  # noqa: PLC0415
            order = Generator(int(generator.randint(0, 2 ** 63, ()))).randperm(n).tolist()
        else:
            order = list(range(n))
        return iter(self._batches(order))

    def _batches(self, order):
        from .attributes import get_item  # noqa: PLC0415
        if self.batch_size is None:
            return [get_item(self.dataset, i) for i in order]
        out = []
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            if self.drop_last and len(chunk) < self.batch_size:
                break
            out.append(_collate([get_item(self.dataset, i) for i in chunk]))
        return out

    def script_getattr(self, name):
        if name in ("dataset", "batch_size", "drop_last"):
            return getattr(self, name)  # a fixed name of the three above
        raise ScriptError("AttributeError", f"'DataLoader' object has no attribute '{name}'")

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch.utils.data.dataloader.DataLoader object at {address(self)}>"


def _collate(items):
    """PyTorch's default_collate for what TensorDatasets give: tensors stacked, tuples as lists."""
    first = items[0]
    if type(first) is STensor:
        from .methods import stack  # noqa: PLC0415
        return stack(list(items))
    if type(first) in (int, float, bool):
        from .creation import tensor  # noqa: PLC0415
        return tensor(list(items))
    if isinstance(first, (tuple, list)):
        return [_collate([item[k] for item in items]) for k in range(len(first))]
    return list(items)


def data_namespace(modules) -> Namespace:
    classes = {"TensorDataset": NativeClass("TensorDataset", "torch.utils.data.dataset", TensorDataset,
                                            check=lambda v: isinstance(v, TensorDataset)),
               "DataLoader": NativeClass("DataLoader", "torch.utils.data.dataloader", DataLoader,
                                         check=lambda v: isinstance(v, DataLoader))}
    objects.TYPES[TensorDataset] = classes["TensorDataset"]
    objects.TYPES[DataLoader] = classes["DataLoader"]
    return Namespace("torch.utils.data", classes)


# -- learning-rate schedules ----------------------------------------------------------------------------

class Scheduler:
    NAME = "LRScheduler"
    script_type_name = "LRScheduler"

    def __init__(self, optimizer, last_epoch=-1):
        from .optim import Optimizer  # noqa: PLC0415
        if not isinstance(optimizer, Optimizer):
            raise type_error(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch + 1
        self.last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, epoch=None):
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.lrs(), strict=True):
            group["lr"] = lr
        self.last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def lrs(self):  # pragma: no cover - each schedule defines it
        raise NotImplementedError

    def script_getattr(self, name):
        if name == "step":
            return objects.BoundNative("step", Scheduler.step, self)
        if name == "get_last_lr":
            return objects.BoundNative("get_last_lr", lambda s: list(s.last_lr), self)
        if name == "last_epoch":
            return self.last_epoch
        if name == "optimizer":
            return self.optimizer
        if name == "base_lrs":
            return self.base_lrs
        raise ScriptError("AttributeError", f"'{self.NAME}' object has no attribute '{name}'")

    def script_repr(self):
        from .show import address  # noqa: PLC0415
        return f"<torch.optim.lr_scheduler.{self.NAME} object at {address(self)}>"


class StepLR(Scheduler):
    NAME = "StepLR"

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lrs(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [g["lr"] for g in groups]
        return [g["lr"] * self.gamma for g in groups]


class MultiStepLR(Scheduler):
    NAME = "MultiStepLR"

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones, self.gamma = list(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lrs(self):
        hits = self.milestones.count(self.last_epoch)
        return [g["lr"] * self.gamma ** hits for g in self.optimizer.param_groups]


class ExponentialLR(Scheduler):
    NAME = "ExponentialLR"

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lrs(self):
        if self.last_epoch == 0:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class LambdaLR(Scheduler):
    NAME = "LambdaLR"

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambda = lr_lambda
        super().__init__(optimizer, last_epoch)

    def lrs(self):
        return [base * objects.invoke(self.lr_lambda, [self.last_epoch], {}) for base in self.base_lrs]


SCHEDULERS = {cls.NAME: cls for cls in (StepLR, MultiStepLR, ExponentialLR, LambdaLR)}


def scheduler_namespace() -> Namespace:
    classes = {}
    for name, cls in SCHEDULERS.items():
        classes[name] = NativeClass(name, "torch.optim.lr_scheduler", cls, check=lambda v, c=cls: isinstance(v, c))
        objects.TYPES[cls] = classes[name]
    return Namespace("torch.optim.lr_scheduler", classes)


def utils_namespace(modules) -> Namespace:
    return Namespace("torch.utils", {"data": modules("torch.utils.data")})


def lr_scheduler_namespace(modules) -> Namespace:
    return scheduler_namespace()
