"""One generated Python function per chain: the interpreter's loop unrolled for one
definition, for executions that record no events (the common, hot case).

``run_chain`` dispatches on every state's kind, counts two event ids and a transition
per state in attributes, and calls each compiled step through a closure. Here a chain
becomes straight-line code instead: states that follow each other are one block, a
Choice or a Catch jumps between blocks, and the JSONPath Pass, simple Choice and Task
states are written out in place (their composed closures remain the fallback for every
error, so the messages stay the compiler's). Event ids and transitions are counted in a
local and written back only where something can read them. A state this module does not
write out (JSONata, Assign, the context object, Wait, Map) runs through the
interpreter's own step functions, so there is one source of truth for semantics.

The generated function also carries an upper bound on the data's JSON size
(``_bounds``), so a 256 KiB check measures only when the bound could pass the quota.
"""

from __future__ import annotations

from typing import Any

import orjson

from express.compiler._bounds import (
    Linear,
    apply_bound,
    bound_expr,
    over_quota,
    pass_bound,
    path_cost,
)
from express.compiler._fuse import Source, pass_lines
from express.compiler._fuse_choice import choice_lines
from express.compiler._io import MAX_PAYLOAD_BYTES, payload_size
from express.compiler._states import (
    CHOICE,
    MAP,
    PARALLEL,
    PASS,
    SUCCEED,
    TASK,
    WAIT,
    Chain,
    ChoiceState,
    State,
)
from express.errors import StatesError

from ._execution import resume
from ._generated import HELPERS
from ._inline import OWN, inline_branch

__all__ = ["specialise"]

#: Parallels with at most this many plain-call branches have them written in line.
_INLINE_BRANCHES = 8


def specialise(chain: Chain) -> None:
    """Give ``chain`` and every chain nested in it their generated ``fast`` function."""
    for st in chain.states:
        for inner in getattr(st, "branches", ()):
            specialise(inner)
        processor = getattr(st, "processor", None)
        if processor is not None:
            specialise(processor)
    chain.sync = all(_sync(st) for st in chain.states)
    chain.fast = _Writer(chain).function()
    chain.waits = any(_waits(st) for st in chain.states)


def top_level(chain: Chain) -> Any:
    """A generated coroutine function running a whole execution of a machine's chain,
    ``top(run, input, size)`` giving its ``ExecutionResult``: the chain's code with
    ``StateMachine.execute``'s ending around it (plain-call code that has to wait goes
    on in the interpreter). None for async code that may never wait."""
    if not chain.sync and not chain.waits:
        return None  # async code that may never wait: ``execute`` drives it by hand
    return _Writer(chain, top=True).function()


def _written(st: State) -> bool:
    """Whether the state is written out in the generated code (else run by its step)."""
    return not st.jsonata and st.assign is None and _context_free(st.node)


def _sync(st: State) -> bool:
    """The state runs in a plain call: pure, or a written-out call of a plain function
    or Parallel of such chains (whatever else they meet is handed over as ``Suspend``)."""
    if st.kind == TASK:
        return _written(st) and getattr(st.binding, "call_plain", None) is not None  # type: ignore[attr-defined]
    if st.kind == PARALLEL:
        return _written(st) and all(b.sync for b in st.branches)  # type: ignore[attr-defined]
    return not st.is_async


def _waits(st: State) -> bool:
    if st.kind == TASK:
        return getattr(st.binding, "call_plain", None) is None  # type: ignore[attr-defined]
    if st.kind == PARALLEL:
        return any(b.waits for b in st.branches)  # type: ignore[attr-defined]
    return st.kind in (WAIT, MAP)


def _context_free(node: dict[str, Any]) -> bool:
    """The state's own fields never read the context object ($$)."""
    own = {k: v for k, v in node.items() if k not in ("Branches", "ItemProcessor", "Iterator")}
    return b"$$" not in orjson.dumps(own)


def _in_path(node: dict[str, Any], src: Source, var: str) -> tuple[str, Linear]:
    """An expression for InputPath applied to ``var``, and its size bound."""
    text = node.get("InputPath", "$")
    if "InputPath" in node and text is None:
        return "{}", (0, 2)
    if text == "$":
        return var, (1, 0)
    return src.path(text, var), (1, 0)


class _Writer:
    def __init__(self, chain: Chain, top: bool = False) -> None:
        self.chain = chain
        #: Writing a whole execution (``top_level``): returns end it, errors are caught.
        self.top = top
        self.base = 0
        self.src = Source()
        self.names = self.src.names
        self.names.update(HELPERS)
        self.out: list[str] = []
        #: Lines a slow path of the state being written starts with.
        self.slow_prefix: list[str] = []
        self.is_async = not chain.sync
        self._layout()

    # --- layout: states that only follow each other share a block ---

    def _layout(self) -> None:
        states = self.chain.states
        preds = [0] * len(states)
        preds[self.chain.start] += 1
        for st in states:
            for t in _targets(st):
                preds[t] += 1
        self.blocks: list[list[int]] = []
        self.block_of: dict[int, int] = {}
        self.fall: dict[int, int] = {}
        todo = [self.chain.start]
        while todo:
            head = todo.pop()
            if head in self.block_of:
                continue
            block = [head]
            self.block_of[head] = len(self.blocks)
            cur = head
            while (nxt := self._falls_to(cur, preds)) >= 0:
                block.append(nxt)
                self.block_of[nxt] = len(self.blocks)
                cur = nxt
            self.blocks.append(block)
            # Depth first, a Choice's first rule first: the likely path gets the first
            # tests of the dispatch.
            for idx in reversed(block):
                todo.extend(reversed([t for t in _targets(states[idx]) if t not in self.block_of]))
        self.looped = len(self.blocks) > 1 or any(st.kind == CHOICE for st in states)
        self.names["BLK"] = tuple(self.block_of.get(i, -1) for i in range(len(states)))
        self.names["FIRST"] = tuple(b[0] for b in self.blocks)

    def _falls_to(self, idx: int, preds: list[int]) -> int:
        """The state written right after ``idx`` in its block, or -1: its Next, or a
        written-out Choice's first target only it leads to (``fall[idx]``: that rule)."""
        st = self.chain.states[idx]
        if isinstance(st, ChoiceState) and _written(st) and st.simple:
            for k, t in enumerate(st.targets):
                if preds[t] == 1 and t not in self.block_of:
                    self.fall[idx] = k
                    return t
            return -1
        nxt = st.next
        if st.kind != SUCCEED and nxt >= 0 and preds[nxt] == 1 and nxt not in self.block_of:
            return nxt
        return -1

    # --- emitting ---

    def line(self, ind: int, text: str) -> None:
        self.out.append("    " * (ind + self.base) + text)

    def function(self) -> Any:
        head = "async def" if self.is_async or self.top else "def"
        self.line(0, f"{head} fast(f, d, z):")
        if self.top and self.is_async:  # f is the run: its top-level scope
            self.line(1, "run = f")
            self.line(1, "expiry, slot = FILED(run)")
            self.line(1, "try:")
            self.base = 1
        elif self.top:  # plain-call code: filed for its deadline only if it must wait
            self.line(1, "run = f")
            self.line(1, "expiry = None")
            self.line(1, "try:")
            self.line(2, "try:")
            self.base = 2
        else:
            self.line(1, "run = f.run")
        self.line(1, "n = 0")
        if self.looped:
            self.line(1, "s = 0")
            self.line(1, "while True:")
            for b, block in enumerate(self.blocks):
                self.line(2, f"{'if' if b == 0 else 'elif'} s == {b}:")
                self._block(b, block, 3)
            self.line(2, "else:")
            self.line(3, "raise AssertionError(f'no block {s}')")
        else:
            self._block(0, self.blocks[0], 1)
        if self.top and not self.is_async:
            self.base = 0
            for text in (
                "except Budget as stop:",
                "    expiry, slot = FILED(run)",
                "    try:",
                "        d = await RESUME(run, CHAIN, stop)",
                "    finally:",
                "        expiry.discard(run, slot)",
                "    return END_OK(run, d, UNKNOWN)",
            ):
                self.line(2, text)
            self.names["RESUME"] = resume
            self.names["CHAIN"] = self.chain
        if self.top:
            self.base = 0
            for text in (
                "except StatesError as err:",
                "    return END_FAILED(run, err)",
                "except (TIMED_OUT, TimeoutError):",
                "    return END_TIMED_OUT(run)",
                "except CancelledError:",
                "    return END_ABORTED(run, expiry)",
                "except Exception as exc:",
                "    return END_CRASHED(run, exc)",
            ):
                self.line(1, text)
            if self.is_async:
                self.line(1, "finally:")
                self.line(2, "expiry.discard(run, slot)")
        code = "\n".join(self.out)
        namespace = self.names
        exec(compile(code, "<generated chain>", "exec"), namespace)
        fast = namespace["fast"]
        fast.source = code  # for reading what was generated (tests, debugging)
        return fast

    def _block(self, b: int, block: list[int], ind: int) -> None:
        self.cur = b
        self.n_zero = not self.looped  # a block of a loop may be entered with states to count
        for pos, idx in enumerate(block):
            st = self.chain.states[idx]
            self._state(st, ind, last=pos == len(block) - 1)

    def flush(self, ind: int) -> None:
        self.line(ind, "if n:")
        self.line(ind + 1, "run.eid += n + n")
        self.line(ind + 1, "run.transitions += n")
        self.line(ind + 1, "n = 0")

    def back_edge(self, ind: int) -> None:
        # A loop settles its count every 128 states (every path out settles it too).
        self.line(ind, "if n >= 128:")
        ind += 1
        self.flush(ind)
        # A bound that only grows round a loop would grow without end: let it go.
        self.line(ind, "if z > MAX:")
        self.line(ind + 1, "z = UNKNOWN")
        self.line(ind, "if run.transitions >= run.check_at:")
        self.line(ind + 1, "run.check_at = run.transitions + CHECK_EVERY")
        self.line(ind + 1, "if run.clock.time() >= run.deadline:")
        self.line(ind + 2, "raise TIMED_OUT")
        if self.is_async:
            self.line(ind + 1, "await SLEEP0()")
        else:
            self.line(ind + 1, "raise Budget(FIRST[s], d)")

    def ret(self, ind: int) -> None:
        self.flush(ind)
        self.line(ind, self.returning())

    def returning(self) -> str:
        return "return END_OK(run, d, z)" if self.top else "return d, z"

    def jump(self, target: int, ind: int) -> None:
        """Go to state ``target`` (the head of a block), or return when it is -1."""
        if target < 0:
            self.ret(ind)
            return
        b = self.block_of[target]
        if b != self.cur and self._copyable(self.blocks[b]):
            # A short run of Pass states that ends the chain: written again here, so
            # the path runs straight on instead of going round the dispatch.
            saved = self.n_zero
            self.n_zero = False  # whatever came before may have left states to count
            block = self.blocks[b]
            for pos, idx in enumerate(block):
                self._state(self.chain.states[idx], ind, last=pos == len(block) - 1)
            self.n_zero = saved
            return
        self.line(ind, f"s = {b}")
        if b <= self.cur:
            self.back_edge(ind)
        self.line(ind, "continue")

    def _copyable(self, block: list[int]) -> bool:
        states = [self.chain.states[i] for i in block]
        return (
            len(states) <= 2
            and all(st.kind == PASS and _written(st) for st in states)
            and states[-1].next < 0
        )

    def dynamic_jump(self, var: str, ind: int) -> None:
        if not self.looped:  # no block to go to: the chain ends here
            self.ret(ind)
            return
        self.line(ind, f"if {var} < 0:")
        self.ret(ind + 1)
        self.line(ind, f"s = BLK[{var}]")
        self.line(ind, f"if s <= {self.cur}:")
        self.back_edge(ind + 1)
        self.line(ind, "continue")

    def follow(self, st: State, ind: int, last: bool) -> None:
        """After ``st`` succeeded: on to its Next (falling through when it is next here)."""
        if last:
            self.jump(st.next, ind)

    def bind(self, prefix: str, value: Any) -> str:
        return self.src.bind(prefix, value)

    # --- states ---

    def _state(self, st: State, ind: int, last: bool) -> None:
        plain = _written(st)
        # ``n_zero``: no state is left uncounted here, on every path in (the state's
        # own code counts its entry from ``run.eid`` alone).
        if plain and st.kind == PASS:
            self._pass(st, ind, last)
            self.n_zero = False
        elif plain and st.kind == SUCCEED:
            self._succeed(st, ind)
        elif plain and st.kind == CHOICE and st.simple:  # type: ignore[attr-defined]
            self._choice(st, ind)  # type: ignore[arg-type]
            self.n_zero = False
        elif plain and st.kind in (TASK, PARALLEL):
            plain_call = self._fallible(st, ind, last, parallel=st.kind == PARALLEL)
            self.n_zero = not plain_call
        else:
            self._generic(st, ind, last)
            self.n_zero = True

    def _guarded(self, ind: int, body: list[str], slow: str, target: str) -> None:
        """``body`` (ends assigning ``o``) with the composed closure ``slow`` as fallback."""
        if target != "o" and body[-1].startswith("o = "):
            body = [*body[:-1], f"{target} = {body[-1][4:]}"]
        elif target != "o":
            body = [*body, f"{target} = o"]
        self.line(ind, "try:")
        for text in body:
            self.line(ind + 1, text)
        self.line(ind, "except FAST_FAILURES:")
        for text in self.slow_prefix:
            self.line(ind + 1, text)
        self.line(ind + 1, f"{target} = {slow}")

    def _pass(self, st: State, ind: int, last: bool) -> None:
        run = st.run  # type: ignore[attr-defined]
        if run is not None:
            S = self.bind("S", st)
            big = "Result" in st.node and _oversized(st.node["Result"])
            lines = None if big else pass_lines(st.node, self.src)
            self.line(ind, "try:")
            if lines is None:
                self.line(ind + 1, f"d = {self.bind('R', run)}(d, f)")
            else:
                self._guarded(ind + 1, lines, f"{self.bind('R', run)}(d, f)", "d")
            self._simple_excepts(ind, S)
            self.line(ind, f"z = {bound_expr(pass_bound(st.node), 'z')}")
        if last and st.next < 0:
            self.finish_with(1, 0, ind)
            return
        self.line(ind, "n += 1")
        self.follow(st, ind, last)

    def finish_with(self, states: int, events: int, ind: int) -> None:
        """Return, counting ``states`` more states and ``events`` more events first."""
        if self.n_zero:
            self.line(ind, f"run.eid += {2 * states + events}")
            self.line(ind, f"run.transitions += {states}")
        else:
            self.line(ind, f"run.eid += n + n + {2 * states + events}")
            self.line(ind, f"run.transitions += n + {states}")
        self.line(ind, self.returning())

    def _simple_excepts(self, ind: int, S: str) -> None:
        self.line(ind, "except StatesError as err:")
        self.line(ind + 1, f"raise FAILED(run, n, err, {S}, f) from None")
        self.line(ind, "except PathError as exc:")
        self.line(ind + 1, f"raise FAILED_PATH(run, n, exc, {S}, f) from None")

    def _succeed(self, st: State, ind: int) -> None:
        run = st.run  # type: ignore[attr-defined]
        if run is not None:
            S = self.bind("S", st)
            self.line(ind, "try:")
            self.line(ind + 1, f"d = {self.bind('R', run)}(d, f)")
            self._simple_excepts(ind, S)
            self.line(ind, "z += 2")
        self.line(ind, "n += 1")
        self.ret(ind)

    def _choice(self, st: ChoiceState, ind: int) -> None:
        S = self.bind("S", st)
        targets = [self.block_of[t] for t in st.targets]
        default = self.block_of[st.default] if st.default >= 0 else -1
        lines = choice_lines(st.node["Choices"], self.names)
        self.line(ind, "try:")
        self.line(ind + 1, "try:")
        for text in lines:
            self.line(ind + 2, text)
        self.line(ind + 1, "except FAST_FAILURES:")
        self.line(ind + 2, f"i = {self.bind('SEL', st.select)}(d, f)")
        self._simple_excepts(ind, S)
        k = self.fall.get(self.chain.states.index(st))
        if k is not None:  # rule k's target is written next: only the others jump
            self.line(ind, f"if i != {k}:")
            ind += 1
        self.line(ind, f"s = {self.bind('TG', (*targets, default))}[i]")
        self.line(ind, "if s < 0:")
        self.line(ind + 1, f"raise FAILED(run, n, NO_MATCH(), {S}, f) from None")
        self.line(ind, "n += 1")
        self.line(ind, f"if s <= {self.cur}:")
        self.back_edge(ind + 1)
        self.line(ind, "continue")
        if k is not None:
            self.line(ind - 1, "n += 1")

    def _enter(self, S: str, ind: int, timed: bool, since: str = "", frame: bool = True) -> None:
        """Count the states run so far and enter ``S`` (``since``: its own events already
        counted in a local, for a state settling late)."""
        if self.n_zero:
            self.line(ind, "e = run.eid + 1")
            self.line(ind, f"run.eid = e{since}")
            self.line(ind, "run.transitions += 1")
        else:
            self.line(ind, "e = run.eid + n + n + 1")
            self.line(ind, f"run.eid = e{since}")
            self.line(ind, "run.transitions += n + 1")
            self.line(ind, "n = 0")
        if frame:
            self.line(ind, f"f.state = {S}")
            self.line(ind, "f.entered_id = e")
        if timed:
            self.line(ind, "if run.timed:")
            self.line(ind + 1, "f.entered_time = run.clock.time()")

    def _prepare(self, st: Any, ind: int) -> Linear:
        """Emit ``x = `` the effective input (InputPath, Parameters); return its bound."""
        node = st.node
        if st.prepare is None:
            self.line(ind, "x = d")
            return (1, 0)
        expr, bound = _in_path(node, self.src, "d")
        if "Parameters" not in node:
            body = [f"o = {expr}"]
        elif expr == "d":
            body = [f"o = {self.src.template(node['Parameters'], 'd')}"]
        else:
            body = [f"y = {expr}", f"o = {self.src.template(node['Parameters'], 'y')}"]
        if "Parameters" in node:
            bound = apply_bound(bound, node["Parameters"])
        self._guarded(ind, body, f"{self.bind('P', st.prepare)}(d, f)", "x")
        return bound

    def _finish(self, st: Any, ind: int, result_bound: str) -> None:
        """Emit ``o = `` the state output from ``d`` and result ``r``, and ``zo``, its
        bound (``result_bound`` is the result's, a variable)."""
        node = st.node
        body: list[str] = []
        rb: Linear = (1, 0)
        result = "r"
        if "ResultSelector" in node:
            selector = self.src.template(node["ResultSelector"], "r")
            if st.kind == PARALLEL:  # its result is the list of branch outputs, always
                selector = selector.replace("(_t if (_t := r).__class__ is list else None)", "r")
            body.append(f"q = {selector}")
            rb = apply_bound(rb, node["ResultSelector"])
            result = "q"
        text = node.get("ResultPath", "$")
        self.src.lines = []
        if "ResultPath" in node and text is None:
            body.append("o = d")
            out = "z"
        elif text == "$":
            body.append(f"o = {result}")
            out = bound_expr(rb, result_bound)
        elif self.src.put(text, "d", result):
            body += self.src.lines
            cost = path_cost(text)
            if cost is not None and rb is not None:
                a, b = rb
                scaled = f"{a} * {result_bound}" if a != 1 else result_bound
                out = f"z + {scaled} + {b + cost}" if a else f"z + {b + cost}"
            else:
                out = "UNKNOWN"
        else:
            body = []
            out = "UNKNOWN"
        out_path = node.get("OutputPath", "$")
        if body and out_path is None:
            body.append("o = {}")
            out = "2"
        elif body and out_path != "$":
            body.append(f"o = {self.src.path(out_path, 'o')}")
        fin = f"{self.bind('FIN', st.finish)}(d, r, f)"
        if body == ["o = r"]:  # the result is the output: nothing can fail
            self.line(ind, "o = r")
        elif body:
            self._guarded(ind, body, fin, "o")
        else:
            self.line(ind, f"o = {fin}")
        self.line(ind, f"zo = {out}")
        self.line(ind, "if zo > MAX:")
        for text in self.slow_prefix:
            self.line(ind + 1, text)
        self.line(ind + 1, "zo = SIZE(o)")
        self.line(ind + 1, "if zo > MAX:")
        self.line(ind + 2, f"raise TOO_LARGE({st.name!r})")

    def _fallible(self, st: Any, ind: int, last: bool, parallel: bool) -> bool:
        """Write ``st``; whether as a plain-function call counted in locals."""
        S = self.bind("S", st)
        if not parallel and not self.is_async:
            self._plain_task(st, S, ind, last)
            return True
        # A plain local function is called right here; any other binding (awaited,
        # timed, heartbeating, observed) through the interpreter's own task call.
        plain_call = None if parallel else getattr(st.binding, "call_plain", None)
        async_call = None
        if not parallel and st.timeout is None and st.heartbeat is None:
            async_call = getattr(st.binding, "call_async", None)
        direct = not parallel and (plain_call is not None or async_call is not None)
        # Entry time: read by the context object a resource may build, and by a Map's
        # iterations; a Parallel's branches and a plain function read neither. A
        # function called here cannot see the frame either: only a failure needs the
        # state written in it.
        self._enter(S, ind, timed=not direct and not parallel, frame=not direct)
        self.line(ind, "try:")
        bound = self._prepare(st, ind + 1)
        if not direct:
            self.line(ind + 1, f"zx = {bound_expr(bound, 'z')}")
        if parallel and not self.is_async and len(st.branches) <= _INLINE_BRANCHES:
            self._branches(st, S, ind + 1)
        elif parallel and not self.is_async:
            self.line(ind + 1, f"r, zr = PARALLEL_SYNC({S}, x, f, zx, d)")
        elif parallel:
            self.line(ind + 1, f"r, zr = await PARALLEL({S}, x, f, zx)")
        elif direct:
            self._call(st, S, ind + 1, plain_call, async_call, bound)
        else:
            self.line(ind + 1, f"r, zr = await RUN_TASK({S}, x, f, d, zx)")
        self._finish(st, ind + 1, "zr")
        self.line(ind, "except StatesError as err:")
        if direct:
            self.line(ind + 1, f"f.state = {S}")
            self.line(ind + 1, "f.entered_id = e")
        self._recover(st, S, ind + 1, last)
        self.line(ind, "except PathError as exc:")
        self.line(ind + 1, f"raise PATH_ERROR(exc, {S}, e) from None")
        self.line(ind, "else:")
        self.line(ind + 1, "d = o")
        self.line(ind + 1, "z = zo")
        self.line(ind + 1, "run.eid += 1")
        self.follow(st, ind, last)
        return False

    def _recover(self, st: Any, S: str, ind: int, last: bool) -> None:
        """``err`` failed ``st``: retry or catch it, and go where the catcher says."""
        self.line(ind, "try:")
        if self.is_async:
            self.line(ind + 1, f"nxt, d = await RECOVER({S}, d, f, err)")
        else:
            self.line(ind + 1, f"nxt, d = RECOVER_SYNC({S}, d, f, err)")
        self.line(ind, "finally:")
        self.line(ind + 1, "f.retry_count = 0")
        self.line(ind, "run.eid += 1")
        self.line(ind, "z = UNKNOWN")
        if last:
            self.dynamic_jump("nxt", ind)
        else:
            self.line(ind, f"if nxt != {st.next}:")
            self.dynamic_jump("nxt", ind + 1)

    def _plain_task(self, st: Any, S: str, ind: int, last: bool) -> None:
        """A Task calling a plain function, in plain-call code: its events and entry are
        only counted in locals (``g``: its events after StateEntered) and settled where
        something can read them, on the paths out that are not success. A plain function
        cannot reach the run, so the counter stands still until then."""
        # ``g`` is set only on the paths that read it: 2 once TaskScheduled and
        # TaskStarted are due, 3 once TaskSucceeded or TaskFailed is.
        self.line(ind, "g = 0")
        self.line(ind, "try:")
        bound = self._prepare(st, ind + 1)
        self.line(ind + 1, f"if {over_quota(bound, 'z')}:")
        self.line(ind + 2, "g = 2")
        self.line(ind + 2, "if SIZE(x) > MAX:")
        self.line(ind + 3, f"raise TOO_LARGE({st.name!r})")
        self.line(ind + 1, "try:")
        self.line(ind + 2, f"r = {self.bind('CALL', st.binding.call_plain)}(x)")
        self._call_failed(S, ind + 1, "g = 3")  # TaskFailed
        # What orjson writes is a result; what it refuses may be an awaitable.
        self.line(ind + 1, "try:")
        self.line(ind + 2, "zr = len(DUMPS(r))")
        self.line(ind + 1, "except TypeError:")
        self.line(ind + 2, "g = 2")
        self.line(ind + 2, "if hasattr(r, '__await__'):")
        self._settle(S, ind + 3)
        self.line(ind + 3, f"raise SUSPEND(TASK_REST, {S}, d, f, r)")
        self.line(ind + 2, "zr = SIZE(r)")
        self.line(ind + 1, "if zr > MAX:")
        self.line(ind + 2, "g = 3")  # TaskFailed for the quota
        self.line(ind + 2, f"raise RESULT_TOO_LARGE({st.binding.label!r})")
        self.slow_prefix = ["g = 3"]  # TaskSucceeded
        self._finish(st, ind + 1, "zr")
        self.slow_prefix = []
        self.line(ind, "except StatesError as err:")
        self._settle(S, ind + 1)
        self._recover(st, S, ind + 1, last)
        self.line(ind, "except PathError as exc:")
        self._settle(S, ind + 1)
        self.line(ind + 1, f"raise PATH_ERROR(exc, {S}, e) from None")
        self.line(ind, "else:")
        self.line(ind + 1, "d = o")
        self.line(ind + 1, "z = zo")
        if last and st.next < 0:  # the three events besides Entered and Exited
            self.finish_with(1, 3, ind + 1)
            return
        self.line(ind + 1, "n += 1")
        self.line(ind + 1, "run.eid += 3")
        self.follow(st, ind, last)

    def _call_failed(self, S: str, ind: int, count: str) -> None:
        """The handlers of a Task's call (after its ``try``): the error, located, with
        its TaskFailed event counted by ``count``; AWS's wording for any exception."""
        self.line(ind, "except StatesError as exc:")
        self.line(ind + 1, count)
        self.line(ind + 1, "exc.located = True")
        self.line(ind + 1, "raise")
        self.line(ind, "except Exception as exc:")  # not CancelledError
        self.line(ind + 1, f"failure = AS_FAILURE({S}.binding, exc)")
        self.line(ind + 1, count)
        self.line(ind + 1, "failure.located = True")
        self.line(ind + 1, "raise failure from None")

    def _settle(self, S: str, ind: int) -> None:
        # Nothing in the state has moved the event counter yet: its entry id follows.
        self._enter(S, ind, timed=False, since=" + g")

    def _measure(self, ind: int) -> None:
        # orjson measures; anything it refuses gets the compiler's wording from SIZE.
        self.line(ind, "try:")
        self.line(ind + 1, "zr = len(DUMPS(r))")
        self.line(ind, "except TypeError:")
        self.line(ind + 1, "zr = SIZE(r)")

    def _branches(self, st: Any, S: str, ind: int) -> None:
        """A Parallel's plain-call branches run in line, one after the other: ``r``, the
        list of their outputs, and ``zr``, its size bound (``run_parallel_sync``)."""
        n = len(st.branches)
        self.line(ind, "run.eid += 1")  # ParallelStateStarted
        self.line(ind, "r = []")
        self.line(ind, f"zr = {n + 1}")
        self.line(ind, "try:")
        for branch in st.branches:
            code = inline_branch(branch.fast, self.names, self.bind)
            if code is None:
                self.line(ind + 1, "b = FRAME(run, f.variables.copy() if f.variables else {})")
                self.line(ind + 1, f"rb, zb = {self.bind('B', branch.fast)}(b, x, zx)")
            else:
                for text in code.splitlines():
                    self.line(ind + 1, text)
            self.line(ind + 1, "r.append(rb)")
            self.line(ind + 1, "zr += zb")
        self.line(ind, "except Budget as stop:")
        for text in OWN.splitlines():  # a branch written in line may not have made it yet
            self.line(ind + 1, text)
        self.line(ind + 1, f"PARALLEL_FROM({S}, x, f, zx, d, r, b, stop)")
        self.line(ind, "except StatesError:")
        self.line(ind + 1, "run.eid += 1")  # ParallelStateFailed
        self.line(ind + 1, "raise")
        self.line(ind, "run.eid += 1")  # ParallelStateSucceeded

    def _call(self, st: Any, S: str, ind: int, plain: Any, awaited: Any, bound: Linear) -> None:
        """The events, size checks and error wording of ``run_task``, written out for a
        plain function (``plain``) or an awaited one without timeout (``awaited``);
        ``bound``: the input's size bound."""
        call = self.bind("CALL", plain if plain is not None else awaited)
        self.line(ind, "run.eid = e + 2")
        self.line(ind, f"if {over_quota(bound, 'z')} and SIZE(x) > MAX:")
        self.line(ind + 1, f"raise TOO_LARGE({st.name!r})")
        self.line(ind, "try:")
        self.line(ind + 1, f"r = {call}(x)" if plain is not None else f"r = await {call}(x)")
        self._call_failed(S, ind, "run.eid += 1")  # TaskFailed
        if plain is not None:
            self.line(ind, "if r.__class__ not in JSON_TYPES and hasattr(r, '__await__'):")
            if self.is_async:
                self.line(ind + 1, "try:")
                self.line(ind + 2, f"r = await AWAITED({S}.binding, r)")
                self.line(ind + 1, "except StatesError as exc:")
                self.line(ind + 2, "run.eid += 1")  # TaskFailed
                self.line(ind + 2, "exc.located = True")
                self.line(ind + 2, "raise")
            else:
                self.line(ind + 1, f"raise SUSPEND(TASK_REST, {S}, d, f, r)")
        self._measure(ind)
        self.line(ind, "if zr > MAX:")
        self.line(ind + 1, "run.eid += 1")
        self.line(ind + 1, f"raise RESULT_TOO_LARGE({st.binding.label!r})")
        self.line(ind, "run.eid += 1")

    def _generic(self, st: State, ind: int, last: bool) -> None:
        S = self.bind("S", st)
        self._enter(S, ind, timed=True)
        if st.is_async:
            self.line(ind, f"nxt, d = await GENERIC_ASYNC({S}, d, f, e)")
        else:
            self.line(ind, f"nxt, d = GENERIC({S}, d, f, e)")
        self.line(ind, "run.eid += 1")
        self.line(ind, "z = UNKNOWN")
        if last or st.kind in (CHOICE, SUCCEED) or st.next < 0:
            self.dynamic_jump("nxt", ind)
        else:
            self.line(ind, f"if nxt != {st.next}:")
            self.dynamic_jump("nxt", ind + 1)


def _oversized(value: Any) -> bool:
    """A constant the compiled state refuses (its ``run`` raises AWS's error)."""
    try:
        return payload_size(value) > MAX_PAYLOAD_BYTES
    except StatesError:
        return True


def _targets(st: State) -> list[int]:
    out = [st.next] if st.next >= 0 else []
    if st.kind == CHOICE:
        out += [target for _, target in st.rules]  # type: ignore[attr-defined]
        if st.default >= 0:  # type: ignore[attr-defined]
            out.append(st.default)  # type: ignore[attr-defined]
    out += [c.next for c in getattr(st, "catchers", ())]
    return out
