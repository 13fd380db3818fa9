"""CUDA C kernels of CuPy's ElementwiseKernel and ReductionKernel, run on NumPy.

minikeras writes its fused device kernels in CUDA C, as CuPy compiles them.
So that the tests run that very code without a GPU, the strict stand-in
(``strict_cupy``) hands it to this module, which parses the C and runs it
for every index at once, the way a GPU runs its threads: each thread is a
*lane*, a variable holds one value per lane (or one value for all of them),
and a branch (``if``, ``?:``, ``&&``, ``||``, a loop condition) runs its side
on the lanes that take it, so a read guarded by a bounds check is never made
by the lanes that fail the check.

The C is a subset, enough for arithmetic kernels: declarations, assignments
(``=``, ``+=``...), ``++``/``--``, ``if``/``else``, ``for``, ``while``, blocks;
expressions with C's operators, precedence and conversions (``int * float``
is a float, integer ``/`` and ``%`` truncate towards zero, a double literal
makes a double), casts, math functions (``exp``, ``sqrt``, ``max``...),
indexing of ``raw`` arrays and ``atomicAdd``. Stricter than a GPU:

- a read or write outside a raw array is an IndexError, not undefined behaviour;
- two lanes writing the same element of a raw array without ``atomicAdd``
  is an error (a race on a GPU);
- arrays bound to one type placeholder (``T``) must share a dtype (CuPy's
  "Type is mismatched"), so a float64 array cannot slip into a float32 kernel.
"""

import re

import numpy as np

_C_TYPES = {
    "float": "float32", "double": "float64", "int": "int32", "unsigned": "uint32",
    "unsigned int": "uint32", "long": "int64", "long long": "int64", "size_t": "uint64",
    "ptrdiff_t": "int64", "bool": "bool", "char": "int8", "short": "int16",
    "float16": "float16", "float32": "float32", "float64": "float64", "int8": "int8",
    "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8",
    "uint32": "uint32", "uint64": "uint64",
}
_CONSTANTS = {"true": np.bool_(True), "false": np.bool_(False)}
_TOKEN = re.compile(r"""
    (?P<number>(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?[fFlLuU]*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op><<=|>>=|\+\+|--|&&|\|\||==|!=|<=|>=|\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<|>>
         |[-+*/%<>=!~&|^?:;,.()\[\]{}])
  | (?P<space>\s+)
""", re.VERBOSE)
_BINARY_LEVELS = [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="),
                  ("<", "<=", ">", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%")]
_ASSIGNMENTS = ("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=")
_FUNCTIONS = {
    "exp": np.exp, "expf": np.exp, "log": np.log, "logf": np.log, "log1p": np.log1p,
    "log1pf": np.log1p, "expm1": np.expm1, "expm1f": np.expm1, "sqrt": np.sqrt,
    "sqrtf": np.sqrt, "tanh": np.tanh, "tanhf": np.tanh, "fabs": np.abs, "fabsf": np.abs,
    "abs": np.abs, "floor": np.floor, "floorf": np.floor, "ceil": np.ceil, "ceilf": np.ceil,
    "isfinite": np.isfinite, "isnan": np.isnan, "isinf": np.isinf, "erf": None,
    "pow": np.power, "powf": np.power, "fmax": np.fmax, "fmaxf": np.fmax, "fmin": np.fmin,
    "fminf": np.fmin, "max": None, "min": None, "rsqrt": lambda x: 1 / np.sqrt(x),
    "rsqrtf": lambda x: 1 / np.sqrt(x), "copysign": np.copysign, "copysignf": np.copysign,
}


class KernelError(Exception):
    """A kernel's source cannot be run: a syntax error, an unknown name, an unsupported form."""


# -- parsing ------------------------------------------------------------------------


def _tokens(source):
    source = re.sub(r"//[^\n]*|/\*.*?\*/", " ", source, flags=re.DOTALL)
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise KernelError(f"Unexpected character {source[position]!r} in kernel source.")
        position = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


class _Parser:
    """A recursive-descent parser of the C subset into nested tuples."""

    def __init__(self, source, type_names):
        self.tokens = _tokens(source)
        self.position = 0
        self.type_names = set(type_names) | set(_C_TYPES)

    def peek(self, offset=0):
        index = self.position + offset
        return self.tokens[index][1] if index < len(self.tokens) else None

    def next(self):
        if self.position >= len(self.tokens):
            raise KernelError("Unexpected end of kernel source.")
        self.position += 1
        return self.tokens[self.position - 1][1]

    def expect(self, text):
        found = self.next()
        if found != text:
            raise KernelError(f"Expected {text!r} in kernel source, found {found!r}.")

    def at_end(self):
        return self.position >= len(self.tokens)

    # -- statements --

    def statements(self):
        body = []
        while not self.at_end() and self.peek() != "}":
            body.append(self.statement())
        return body

    def statement(self):
        token = self.peek()
        if token == "{":
            self.next()
            body = self.statements()
            self.expect("}")
            return ("block", body)
        if token == "if":
            self.next()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            then = self.statement()
            otherwise = None
            if self.peek() == "else":
                self.next()
                otherwise = self.statement()
            return ("if", condition, then, otherwise)
        if token == "for":
            self.next()
            self.expect("(")
            start = None if self.peek() == ";" else self.simple_statement()
            self.expect(";")
            condition = self.expression()
            self.expect(";")
            step = None if self.peek() == ")" else self.simple_statement()
            self.expect(")")
            return ("for", start, condition, step, self.statement())
        if token == "while":
            self.next()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            return ("for", None, condition, None, self.statement())
        if token == ";":
            self.next()
            return ("block", [])
        statement = self.simple_statement()
        self.expect(";")
        return statement

    def is_type_start(self):
        offset = 1 if self.peek() == "const" else 0
        return self.peek(offset) in self.type_names

    def type_name(self):
        if self.peek() == "const":
            self.next()
        name = self.next()
        while f"{name} {self.peek()}" in _C_TYPES:
            name = f"{name} {self.next()}"
        return name

    def simple_statement(self):
        """A declaration, an assignment, an increment or a call (no trailing ';')."""
        if self.is_type_start():
            type_name = self.type_name()
            declarations = []
            while True:
                name = self.next()
                value = None
                if self.peek() == "=":
                    self.next()
                    value = self.expression()
                declarations.append(("declare", type_name, name, value))
                if self.peek() != ",":
                    return ("block", declarations)
                self.next()
        if self.peek() in ("++", "--"):
            operator = self.next()
            target = self.unary()
            return ("assign", "+=" if operator == "++" else "-=", target, ("number", np.int32(1)))
        target = self.expression()
        if self.peek() in ("++", "--"):
            operator = self.next()
            return ("assign", "+=" if operator == "++" else "-=", target, ("number", np.int32(1)))
        if self.peek() in _ASSIGNMENTS:
            operator = self.next()
            if target[0] not in ("name", "index"):
                raise KernelError("Only a variable or a raw array element can be assigned to.")
            return ("assign", operator, target, self.expression())
        if target[0] != "call":
            raise KernelError("A statement must assign, increment, declare or call.")
        return ("evaluate", target)

    # -- expressions --

    def expression(self):
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.next()
        then = self.expression()
        self.expect(":")
        return ("ternary", condition, then, self.expression())

    def binary(self, level):
        if level == len(_BINARY_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _BINARY_LEVELS[level]:
            operator = self.next()
            left = ("binary", operator, left, self.binary(level + 1))
        return left

    def unary(self):
        token = self.peek()
        if token in ("-", "+", "!", "~"):
            self.next()
            return ("unary", token, self.unary())
        if token == "&":
            self.next()
            return ("address", self.unary())
        if token == "(" and (self.peek(1) in self.type_names or self.peek(1) == "const"):
            self.next()
            type_name = self.type_name()
            self.expect(")")
            return ("cast", type_name, self.unary())
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while self.peek() in ("(", "[", "."):
            token = self.next()
            if token == "(":
                if node[0] != "name":
                    raise KernelError("Only named functions can be called.")
                arguments = []
                while self.peek() != ")":
                    arguments.append(self.expression())
                    if self.peek() == ",":
                        self.next()
                self.expect(")")
                node = ("call", node[1], arguments)
            elif token == "[":
                index = self.expression()
                self.expect("]")
                node = ("index", node, index)
            else:
                member = self.next()
                self.expect("(")
                self.expect(")")
                node = ("member", node, member)
        return node

    def primary(self):
        kind, token = self.tokens[self.position] if not self.at_end() else (None, None)
        if token == "(":
            self.next()
            node = self.expression()
            self.expect(")")
            return node
        if kind == "number":
            self.next()
            return ("number", _literal(token))
        if kind == "name":
            self.next()
            return ("name", token)
        raise KernelError(f"Unexpected {token!r} in kernel source.")


def _literal(text):
    suffix = text.lstrip("0123456789.eE+-")
    digits = text[:len(text) - len(suffix)]
    if "." in digits or "e" in digits.lower():
        return np.float32(digits) if "f" in suffix.lower() else np.float64(digits)
    value = int(digits)
    if "l" in suffix.lower() or value > 2**31 - 1:
        return np.int64(value)
    return np.uint32(value) if "u" in suffix.lower() else np.int32(value)


def _parse_params(text):
    """[(name, type name, raw)] of "T x, raw T y, float32 alpha"."""
    params = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split()
        raw = words[0] == "raw"
        if raw:
            words = words[1:]
        if len(words) != 2:
            raise KernelError(f"Cannot read the kernel parameter {part!r}.")
        params.append((words[1], words[0], raw))
    return params


# -- running ----------------------------------------------------------------------


class _Raw:
    """A raw array parameter: indexed by a flat C-order index."""

    def __init__(self, name, array, writable):
        self.name, self.array = name, array
        self.flat = array.reshape(-1) if array.flags.c_contiguous else array.ravel()
        self.writable = writable

    def check(self, index):
        index = np.asarray(index)
        if index.size and (index.min() < 0 or index.max() >= self.flat.size):
            bad = index[(index < 0) | (index >= self.flat.size)].reshape(-1)[0]
            raise IndexError(f"The kernel reads or writes {self.name}[{bad}], outside its "
                             f"{self.flat.size} elements.")
        return index

    def write_back(self):
        if not np.shares_memory(self.flat, self.array):
            self.array[...] = self.flat.reshape(self.array.shape)


class _Machine:
    """Runs parsed statements on ``lanes`` threads at once."""

    def __init__(self, lanes, types, name, inputs=()):
        self.lanes = lanes
        self.types = types  # placeholder (T) -> dtype
        self.name = name
        self.inputs = {param_name for param_name, _, _ in inputs}
        self.values = {}  # variable -> (dtype, a value for all lanes or an array per lane)
        self.raws = {}
        self.writable = set()
        self.sizes = {}  # "_ind" ... -> int

    def dtype(self, type_name):
        if type_name in self.types:
            return self.types[type_name]
        if type_name in _C_TYPES:
            return np.dtype(_C_TYPES[type_name])
        raise KernelError(f"Unknown type {type_name!r}.")

    # -- statements --

    def run(self, statements, active):
        for statement in statements:
            self.execute(statement, active)

    def execute(self, statement, active):
        kind = statement[0]
        if kind == "block":
            self.run(statement[1], active)
        elif kind == "declare":
            _, type_name, name, value = statement
            dtype = self.dtype(type_name)
            self.values[name] = (dtype, dtype.type(0))
            if value is not None:
                self.store(name, self.evaluate(value, active), active)
        elif kind == "assign":
            self.assign(*statement[1:], active)
        elif kind == "evaluate":
            self.evaluate(statement[1], active)
        elif kind == "if":
            _, condition, then, otherwise = statement
            taken, not_taken = self.split(self.evaluate(condition, active), active)
            if _any(taken):
                self.execute(then, taken)
            if otherwise is not None and _any(not_taken):
                self.execute(otherwise, not_taken)
        elif kind == "for":
            _, start, condition, step, body = statement
            if start is not None:
                self.execute(start, active)
            while _any(active):
                active, _ = self.split(self.evaluate(condition, active), active)
                if _any(active):
                    self.execute(body, active)
                    if step is not None:
                        self.execute(step, active)

    def split(self, condition, active):
        """(the lanes where ``condition`` holds, those where it does not), each None for
        all lanes or an array of lane numbers (empty for none)."""
        if np.ndim(condition) == 0:
            return (active, _NO_LANES) if bool(condition) else (_NO_LANES, active)
        condition = condition.astype(bool)
        everyone = np.arange(self.lanes) if active is None else active
        return everyone[condition], everyone[~condition]

    def assign(self, operator, target, value_node, active):
        value = self.evaluate(value_node, active)
        if operator != "=":
            value = _binary(operator[:-1], self.evaluate(target, active), value)
        if target[0] == "name":
            self.store(target[1], value, active)
            return
        raw, index = self.raw_target(target, active)
        index = np.broadcast_to(index, (self.count(active),))
        if _repeats(index):
            raise KernelError(f"Kernel {self.name!r}: several threads write the same element "
                              f"of {raw.name} (a race on a GPU; use atomicAdd).")
        raw.flat[index] = value

    def count(self, active):
        """The number of lanes in ``active``."""
        return self.lanes if active is None else active.size

    def raw_target(self, target, active):
        array_node, index_node = target[1], target[2]
        raw = self.raws.get(array_node[1]) if array_node[0] == "name" else None
        if raw is None:
            raise KernelError("Only raw array parameters can be indexed.")
        if not raw.writable:
            raise KernelError(f"Kernel {self.name!r} writes to its input {raw.name}.")
        return raw, raw.check(self.evaluate(index_node, active))

    def store(self, name, value, active):
        if name not in self.values:
            raise KernelError(f"Kernel {self.name!r} assigns to {name!r}, not declared.")
        if name not in self.writable and name in self.inputs:
            raise KernelError(f"Kernel {self.name!r} assigns to its input {name!r}.")
        dtype, current = self.values[name]
        if active is None:  # a copy: the value may be another variable's lanes
            self.values[name] = (dtype, np.array(value, dtype=dtype) if np.ndim(value) else
                                 dtype.type(value))
            return
        value = _cast(value, dtype)
        if np.ndim(current) == 0:
            current = np.full(self.lanes, current, dtype=dtype)
            self.values[name] = (dtype, current)
        current[active] = value

    # -- expressions --

    def evaluate(self, node, active):
        kind = node[0]
        if kind == "number":
            return node[1]
        if kind == "name":
            return self.read(node[1], active)
        if kind == "binary":
            operator, left, right = node[1:]
            if operator in ("&&", "||"):
                return self.logical(operator, left, right, active)
            return _binary(operator, self.evaluate(left, active), self.evaluate(right, active))
        if kind == "unary":
            value = self.evaluate(node[2], active)
            if node[1] == "!":
                return np.logical_not(value)
            if node[1] == "~":
                return np.invert(value)
            return -value if node[1] == "-" else value
        if kind == "ternary":
            return self.ternary(*node[1:], active)
        if kind == "cast":
            return _cast(self.evaluate(node[2], active), self.dtype(node[1]))
        if kind == "call":
            return self.call(node[1], node[2], active)
        if kind == "index":
            raw = self.raws.get(node[1][1]) if node[1][0] == "name" else None
            if raw is None:
                raise KernelError("Only raw array parameters can be indexed.")
            return raw.flat[raw.check(self.evaluate(node[2], active))]
        if kind == "member":
            return self.member(node[1], node[2])
        raise KernelError(f"Cannot evaluate {kind} here.")

    def read(self, name, active):
        if name in self.values:
            value = self.values[name][1]
            return value if np.ndim(value) == 0 or active is None else value[active]
        if name == "i":
            return np.arange(self.lanes, dtype=np.int64) if active is None else active
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        raise KernelError(f"Kernel {self.name!r} uses {name!r}, which is not defined.")

    def member(self, owner, member):
        if member == "size" and owner[0] == "name":
            if owner[1] in self.sizes:
                return np.int64(self.sizes[owner[1]])
            if owner[1] in self.raws:
                return np.int64(self.raws[owner[1]].flat.size)
        raise KernelError(f"Unknown member {member}() of {owner}.")

    def logical(self, operator, left, right, active):
        first = np.asarray(self.evaluate(left, active)).astype(bool)
        decided = first if operator == "||" else ~first  # lanes that need no right side
        if np.ndim(first) == 0:
            return first if decided else np.asarray(self.evaluate(right, active)).astype(bool)
        result = first.copy()
        _, undecided = self.split(decided, active)
        if _any(undecided):
            result[~decided] = np.asarray(self.evaluate(right, undecided)).astype(bool)
        return result

    def ternary(self, condition, then, otherwise, active):
        condition = self.evaluate(condition, active)
        if np.ndim(condition) == 0:
            return self.evaluate(then if condition else otherwise, active)
        taken, not_taken = self.split(condition, active)
        condition = condition.astype(bool)
        values = [self.evaluate(then, taken) if _any(taken) else None,
                  self.evaluate(otherwise, not_taken) if _any(not_taken) else None]
        dtype = _arithmetic_type(*(_dtype_of(v) for v in values if v is not None))
        result = np.empty(condition.shape, dtype=dtype)
        if values[0] is not None:
            result[condition] = values[0]
        if values[1] is not None:
            result[~condition] = values[1]
        return result

    def call(self, name, arguments, active):
        if name == "atomicAdd":
            if len(arguments) != 2 or arguments[0][0] != "address":
                raise KernelError("atomicAdd takes (&raw[index], value).")
            raw, index = self.raw_target(arguments[0][1], active)
            value = self.evaluate(arguments[1], active)
            index = np.broadcast_to(index, (self.count(active),))
            np.add.at(raw.flat, index, np.broadcast_to(_cast(value, raw.flat.dtype),
                                                       index.shape))
            return value
        if name not in _FUNCTIONS:
            raise KernelError(f"Kernel {self.name!r} calls {name}(), which the emulator "
                              "does not know.")
        values = [self.evaluate(a, active) for a in arguments]
        dtype = _arithmetic_type(*(_dtype_of(v) for v in values))
        values = [_cast(v, dtype) for v in values]
        if name in ("max", "min"):
            function = ({"max": np.fmax, "min": np.fmin} if dtype.kind == "f" else
                        {"max": np.maximum, "min": np.minimum})[name]
        elif name == "erf":
            from ..ops.math import erf_array
            function = erf_array
        else:
            function = _FUNCTIONS[name]
        with np.errstate(all="ignore"):
            return function(*values)


_NO_LANES = np.empty(0, dtype=np.int64)


def _any(lanes):
    """Whether ``lanes`` (None: all of them) holds a lane."""
    return lanes is None or lanes.size > 0


def _repeats(index):
    """Whether ``index`` (1-D) holds a value twice; quick for the usual increasing indices."""
    if index.size < 2 or bool(np.all(index[1:] > index[:-1])):
        return False
    ordered = np.sort(index)
    return bool(np.any(ordered[1:] == ordered[:-1]))


def _dtype_of(value):
    return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype


def _arithmetic_type(*dtypes):
    """The type C's usual arithmetic conversions give operands of ``dtypes``."""
    floats = [d for d in dtypes if d.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    promoted = [np.dtype("int32") if d.kind == "b" or d.itemsize < 4 else d for d in dtypes]
    return np.result_type(*promoted)


def _cast(value, dtype):
    if np.ndim(value):
        return value.astype(dtype, copy=False)
    return dtype.type(value)


def _binary(operator, left, right):
    dtype = _arithmetic_type(_dtype_of(left), _dtype_of(right))
    if operator in ("<<", ">>"):
        dtype = _arithmetic_type(_dtype_of(left))
    left, right = _cast(left, dtype), _cast(right, dtype)
    with np.errstate(all="ignore"):
        if operator == "/" and dtype.kind in "iu":
            return _truncated_quotient(left, right)
        if operator == "%" and dtype.kind in "iu":
            return left - right * _truncated_quotient(left, right)
        if operator == "%":
            raise KernelError("% of floats is not C: use fmod.")
        return _BINARY[operator](left, right)


def _truncated_quotient(left, right):
    """left / right for integers, as C rounds it: towards zero (NumPy's // floors)."""
    if np.any(np.asarray(right) == 0):
        raise ZeroDivisionError("Integer division by zero in a kernel.")
    quotient = left // right
    inexact_negative = ((left < 0) != (right < 0)) & (left % right != 0)
    return (quotient + inexact_negative).astype(_dtype_of(left), copy=False)


_BINARY = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "<": np.less,
    "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
    "!=": np.not_equal, "&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor,
    "<<": np.left_shift, ">>": np.right_shift,
}


# -- the two kernel kinds ---------------------------------------------------------


class _Kernel:
    """What ElementwiseKernel and ReductionKernel share: parameters and their types."""

    def __init__(self, name, in_params, out_params, preamble):
        self.name = name
        if preamble.strip():
            raise KernelError("The kernel emulator does not run a preamble; write the "
                              "helper's arithmetic in the operation itself.")
        self.inputs = _parse_params(in_params)
        self.outputs = _parse_params(out_params)
        self.placeholders = {t for _, t, _ in self.inputs + self.outputs if t not in _C_TYPES}

    def resolve_types(self, params, values):
        """{placeholder: dtype} from the arrays given; TypeError where they disagree."""
        types = {}
        for (name, type_name, _), value in zip(params, values, strict=False):
            if type_name in self.placeholders and isinstance(value, np.ndarray) and (
                    types.setdefault(type_name, value.dtype) != value.dtype):
                    raise TypeError(f"Type is mismatched: {name} is {value.dtype}, but another "
                                    f"argument of type {type_name} is {types[type_name]}.")
        return types

    def bind(self, machine, params, values, shape, writable):
        """Puts the arguments into ``machine``'s variables, raw ones as _Raw."""
        for (name, type_name, raw), value in zip(params, values, strict=True):
            dtype = machine.dtype(type_name)
            if raw:
                machine.raws[name] = _Raw(name, value, writable)
            elif isinstance(value, np.ndarray):
                if not writable and value.dtype != dtype:
                    raise TypeError(f"{name} is {value.dtype}, the kernel expects {dtype}.")
                lanes = (np.broadcast_to(value, shape) if not writable else value).reshape(-1)
                machine.values[name] = (dtype, lanes)
            else:
                machine.values[name] = (dtype, dtype.type(value))
            if writable:
                machine.writable.add(name)


class Elementwise(_Kernel):
    """An ElementwiseKernel's operation, run for every index ``i`` of the broadcast arguments."""

    def __init__(self, name, in_params, out_params, operation, preamble=""):
        super().__init__(name, in_params, out_params, preamble)
        type_names = self.placeholders
        self.program = _Parser(operation + ";", type_names).statements()  # as CuPy adds

    def __call__(self, arguments, size=None):
        n_in = len(self.inputs)
        if len(arguments) not in (n_in, n_in + len(self.outputs)):
            raise TypeError(f"The kernel takes {n_in} inputs (and optionally "
                            f"{len(self.outputs)} outputs); got {len(arguments)} arguments.")
        inputs, outputs = list(arguments[:n_in]), list(arguments[n_in:])
        params = self.inputs + self.outputs
        types = self.resolve_types(params, inputs + outputs)
        shaped = [a for (_, _, raw), a in zip(params, inputs + outputs, strict=False)
                  if not raw and isinstance(a, np.ndarray)]
        if shaped:
            shape = np.broadcast_shapes(*(a.shape for a in shaped))
        elif size is not None:
            shape = (size,)
        else:
            raise ValueError("The kernel has no array argument to take its size from: "
                             "pass size=.")
        if size is not None and shaped and int(np.prod(shape)) != size:
            raise ValueError(f"size={size} does not match the arguments' shape {shape}.")
        machine = _Machine(int(np.prod(shape)), types, self.name, self.inputs)
        if not outputs:
            for _, type_name, raw in self.outputs:
                if raw:
                    raise TypeError("Raw outputs must be passed in.")
                outputs.append(np.empty(shape, dtype=machine.dtype(type_name)))
        for (name, _, raw), out in zip(self.outputs, outputs, strict=True):
            if not raw and out.shape != shape:
                raise ValueError(f"Output {name} has shape {out.shape}, the kernel's shape "
                                 f"is {shape}.")
        lanes_of = [o if o.flags.c_contiguous else o.copy() for o in outputs]
        self.bind(machine, self.inputs, inputs, shape, writable=False)
        self.bind(machine, self.outputs, lanes_of, shape, writable=True)
        machine.sizes["_ind"] = machine.lanes
        machine.run(self.program, None)
        for (name, _, raw), out, lanes in zip(self.outputs, outputs, lanes_of, strict=True):
            if raw:
                machine.raws[name].write_back()
                continue
            result = machine.values[name][1]
            lanes.reshape(-1)[...] = result
            if lanes is not out:
                out[...] = lanes
        return outputs


_REDUCERS = {"a + b": (np.add, "+"), "b + a": (np.add, "+"), "max(a, b)": (None, "max"),
             "min(a, b)": (None, "min")}


class Reduction(_Kernel):
    """A ReductionKernel: map each element, fold the mapped values along ``axis``, post-map."""

    def __init__(self, name, in_params, out_params, map_expr, reduce_expr, post_map_expr,
                 identity, reduce_type=None, preamble=""):
        super().__init__(name, in_params, out_params, preamble)
        if " ".join(reduce_expr.split()) not in _REDUCERS:
            raise KernelError(f"The emulator folds with {sorted(_REDUCERS)}; got "
                              f"{reduce_expr!r}.")
        self.reducer = _REDUCERS[" ".join(reduce_expr.split())][1]
        parser = _Parser(map_expr, self.placeholders)
        self.map = parser.expression()
        if not parser.at_end():
            raise KernelError(f"map_expr must be one expression: {map_expr!r}.")
        self.post_map = _Parser(post_map_expr + ";", self.placeholders).statements()
        self.identity = _Parser(identity, ()).expression() if identity else None
        self.reduce_type = reduce_type

    def __call__(self, arguments, axis=None, keepdims=False, out=None):
        if len(arguments) != len(self.inputs):
            raise TypeError(f"The kernel takes {len(self.inputs)} inputs; got "
                            f"{len(arguments)}.")
        types = self.resolve_types(self.inputs, arguments)
        shaped = [a for (_, _, raw), a in zip(self.inputs, arguments, strict=True)
                  if not raw and isinstance(a, np.ndarray)]
        shape = np.broadcast_shapes(*(a.shape for a in shaped))
        mapping = _Machine(int(np.prod(shape)), types, self.name, self.inputs)
        self.bind(mapping, self.inputs, arguments, shape, writable=False)
        mapping.sizes["_in_ind"] = mapping.lanes
        reduce_dtype = mapping.dtype(self.reduce_type or self.outputs[0][1])
        mapped = _cast(mapping.evaluate(self.map, None), reduce_dtype)
        mapped = np.broadcast_to(mapped, (mapping.lanes,)).reshape(shape)
        folded = self.fold(mapped, axis, keepdims, mapping)
        post = _Machine(folded.size, types, self.name)
        (name, type_name, _), = self.outputs
        dtype = post.dtype(type_name)
        result = np.zeros(folded.size, dtype=dtype)
        post.values = {"a": (reduce_dtype, folded.reshape(-1)), name: (dtype, result)}
        post.writable = {name}
        post.raws = mapping.raws
        post.sizes = {"_in_ind": mapping.lanes, "_out_ind": folded.size}
        post.run(self.post_map, None)
        value = np.broadcast_to(post.values[name][1], (folded.size,)).reshape(folded.shape)
        if out is not None:
            out[...] = value
            return out
        return value.astype(dtype, copy=True)

    def fold(self, mapped, axis, keepdims, machine):
        initial = None
        if self.identity is not None:
            initial = machine.evaluate(self.identity, None)
        if self.reducer == "+":
            function = np.add
        elif mapped.dtype.kind == "f":
            function = np.fmax if self.reducer == "max" else np.fmin
        else:
            function = np.maximum if self.reducer == "max" else np.minimum
        kwargs = {} if initial is None else {"initial": initial}
        return np.asarray(function.reduce(mapped, axis=axis, keepdims=keepdims, **kwargs),
                          dtype=mapped.dtype)
