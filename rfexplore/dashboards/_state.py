"""A dashboard's state and its controls, declared once: :class:`Control` (one field: its widget, accepted
values, label and query key) and :class:`State` (the frozen dataclass of a dashboard, checked against its
``CONTROLS`` and written and restored exactly, as JSON or as a query string)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode

import ipywidgets as widgets

from ._values import check_value

__all__ = ["MAX_TEXT", "Control", "State"]

MAX_TEXT = 2000          # characters of a configuration to restore (a link is a few hundred)
LABEL = {"description_width": "150px"}

# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """One field of a dashboard's state: its widget, accepted values, label and query key.

    ``kind``: ``"int"`` (IntSlider), ``"float"`` (FloatSlider), ``"log"`` (FloatLogSlider), ``"logint"``
    (an integer on a log scale: a selection slider over :meth:`stops`, so each arrow key shows the next
    width), ``"choice"`` (``options``, as a dropdown or, ``look="slider"``, a
    selection slider), ``"check"`` (Checkbox), ``"seed"`` (a non-negative integer in a text box).
    ``low``/``high``/``options`` may name an entry of the dashboard's context instead (``"pool_size"``).
    ``step``: the slider's step (for ``"log"`` and ``"logint"`` in log10 units). ``off``: the label of a box
    that turns the control off (value ``None``). ``widget=False``: exported and checked, but not shown.
    ``when=(field, value)``: the control only matters while ``field`` has ``value``; otherwise its widget is
    disabled (its value is kept, exported and restored), so no enabled control is ever inert.
    """

    name: str
    kind: str
    label: str
    key: str
    low: object = None
    high: object = None
    step: float | None = None
    options: object = ()          # ((label, value), ...) or values (labelled with ``fmt``)
    look: str = "dropdown"
    fmt: str = ".3g"
    off: str = ""
    rest: float | None = None     # where a control that is off leaves its slider
    continuous: bool = False
    widget: bool = True
    inline: bool = False          # on one row with the control before it
    width: int = 430
    when: tuple = ()              # (field, value): live only while the state's field has that value

    def live(self, state) -> bool:
        """Whether this control changes anything in ``state`` (see ``when``)."""
        return not self.when or getattr(state, self.when[0]) == self.when[1]

    def resolve(self, context) -> Control:
        """This control with bounds and options taken from ``context`` where they name an entry."""
        def get(v):
            return context[v] if isinstance(v, str) else v

        options = get(self.options) if isinstance(self.options, str) else self.options
        options = tuple(o if isinstance(o, tuple) else (format(o, "g") if isinstance(o, float) else str(o), o)
                        for o in options)
        return replace(self, low=get(self.low), high=get(self.high), options=options)

    @property
    def values(self) -> tuple:
        return tuple(o[1] if isinstance(o, tuple) else o for o in self.options)

    def check(self, value):
        """The value this control holds for ``value`` (``TypeError``/``ValueError`` if it holds none)."""
        if value is None and self.off:
            return None
        return check_value(self, value)

    # -- the query string: exact floats, then parsed back by kind
    def format(self, value) -> str:
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return repr(value)                        # the shortest text that reads back as the same float
        return str(value)

    def parse(self, raw: str):
        text = raw.strip()
        if self.off and text.lower() in ("none", ""):
            return None
        if self.kind == "check":
            if text.lower() in ("1", "true", "yes"):
                return True
            if text.lower() in ("0", "false", "no"):
                return False
            raise ValueError(f"{self.key} must be 0 or 1, got {_short(raw)}")
        if self.kind == "choice":
            # options known here (not named in a context) match by their text; others are read as
            # numbers where they are numbers, and checked against the options when the state is checked
            options = self.values if not isinstance(self.options, str) else ()
            for v in options:
                if self.format(v) == text:
                    return v
            for kind in (int, float):
                try:
                    return kind(text)
                except ValueError:
                    pass
            return text
        try:
            return int(text) if self.kind in ("int", "logint", "seed") else float(text)
        except ValueError:
            rule = "an integer" if self.kind in ("int", "logint", "seed") else "a number"
            raise ValueError(f"{self.name} must be {rule}, got {_short(raw)}") from None

    # -- widgets
    def make(self, value):
        """The widget for this control, showing ``value`` (a box and a slider when it can be turned off)."""
        lay, style = widgets.Layout(width=f"{self.width}px", flex="0 0 auto"), LABEL
        common = dict(description=self.label, style=style, layout=lay)
        k = self.kind
        if k == "int":
            w = widgets.IntSlider(value=value, min=self.low, max=self.high, step=self.step or 1,
                                  continuous_update=self.continuous, **common)
        elif k == "float":
            w = widgets.FloatSlider(value=value, min=self.low, max=self.high, step=self.step or 0.1,
                                    readout_format=self.fmt, continuous_update=self.continuous, **common)
        elif k == "log":
            w = widgets.FloatLogSlider(value=self.default_on if value is None else value, base=10,
                                       min=math.log10(self.low), max=math.log10(self.high),
                                       step=self.step or 0.01, readout_format=self.fmt,
                                       continuous_update=self.continuous, **common)
        elif k == "logint":
            value = int(self.default_on) if value is None else value
            w = widgets.SelectionSlider(options=self.stops(value), value=value,
                                        continuous_update=self.continuous, **common)
        elif k == "choice":
            kind = widgets.SelectionSlider if self.look == "slider" else widgets.Dropdown
            extra = dict(continuous_update=False) if self.look == "slider" else {}
            w = kind(options=list(self.options), value=value, **common, **extra)
        elif k == "check":
            w = widgets.Checkbox(value=value, description=self.label, indent=False,
                                 layout=widgets.Layout(width=f"{self.width}px"))
        elif k == "seed":
            w = widgets.IntText(value=value, description=self.label, style=style,
                                layout=widgets.Layout(width=f"{self.width}px"))
        else:
            raise ValueError(f"kind must be one of int, float, log, logint, choice, check, seed; got {k!r}")
        return w

    @property
    def default_on(self) -> float:
        """Where a control that can be turned off sits while it is off."""
        return self.low if self.rest is None else self.rest

    def read(self, widget_value):
        """The state value for a widget's value."""
        return int(widget_value) if self.kind == "logint" else widget_value

    def stops(self, value=None) -> tuple:
        """A ``"logint"`` slider's positions, ``(label, integer)`` pairs from ``low`` to ``high``: one per
        ``step`` in log10 units, rounded, each integer once (so the small widths are all there and every
        arrow key shows another width), and ``value`` where it falls between them (a value set from code
        or a link shows exactly, and the arrow keys go on from it)."""
        return tuple((str(v), v) for v in sorted(set(log_stops(self.low, self.high, self.step or 0.01))
                                                 | ({int(value)} if value is not None else set())))

    def show(self, widget, value) -> None:
        """Put ``value`` (accepted by :meth:`check`) on this control's ``widget``."""
        if self.kind == "logint" and value not in [v for _, v in widget.options]:
            widget.options = self.stops(value)
        widget.value = value


def log_stops(low: int, high: int, step: float) -> list:
    """Integers from ``low`` to ``high`` spaced ``step`` apart in log10 units, rounded (duplicates kept)."""
    if high == low:
        return [low]
    n = math.ceil(math.log10(high / low) / step)
    # geometric spacing: low * (high / low) ** (i / n), both ends exact
    return [low] + [round(low * (high / low) ** (i / n)) for i in range(1, n)] + [high]


def _short(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


# --------------------------------------------------------------------------- state


class State:
    """Mixin for a dashboard's frozen state dataclass: checked against ``CONTROLS``, written and restored
    exactly as JSON or as a query string."""

    CONTROLS: ClassVar[tuple] = ()

    @classmethod
    def controls(cls, context=None) -> dict:
        """``{field: Control}`` with bounds resolved from ``context``."""
        ctx = {} if context is None else context
        return {c.name: c.resolve(ctx) for c in cls.CONTROLS}

    def checked(self, context=None):
        """This state with every value checked by its control (``TypeError``/``ValueError`` otherwise)."""
        controls = self.controls(context)
        return replace(self, **{f.name: controls[f.name].check(getattr(self, f.name)) for f in fields(self)})

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def to_query(self) -> str:
        """A short query string, e.g. ``d=40&r=300&M=none&norm=1.0&...``, with exact floats."""
        return urlencode({c.key: c.format(getattr(self, c.name)) for c in self.CONTROLS})

    @classmethod
    def from_json(cls, text: str):
        _check_length(text)
        try:
            data = json.loads(text, object_pairs_hook=_no_repeats)
        except json.JSONDecodeError as exc:
            raise ValueError(f"configuration is not valid JSON: {exc.msg} at position {exc.pos}") from None
        except RecursionError:
            raise ValueError("configuration is nested too deeply: it must be one flat JSON object") from None
        if not isinstance(data, dict):
            raise ValueError(f"configuration must be a JSON object, got {type(data).__name__}")
        for k, v in data.items():
            if not (v is None or isinstance(v, (bool, int, float, str))):
                raise ValueError(f"configuration value {_short(k)} must be a number, true/false, text or null, "
                                 f"got {type(v).__name__}")
        return cls._from_mapping(data)

    @classmethod
    def from_query(cls, query: str):
        _check_length(query)
        by_key = {c.key: c for c in cls.CONTROLS}
        try:
            pairs = parse_qsl(query.strip().lstrip("?"), keep_blank_values=True, max_num_fields=len(by_key))
        except ValueError:
            raise ValueError(f"the query has more than {len(by_key)} parameters; known: {', '.join(by_key)}") from None
        data = {}
        for key, raw in pairs:
            if key not in by_key:
                raise ValueError(f"unknown parameter {_short(key)} in the query; known: {', '.join(by_key)}")
            c = by_key[key]
            if c.name in data:
                raise ValueError(f"parameter {key!r} appears more than once in the query")
            data[c.name] = c.parse(raw)
        return cls._from_mapping(data)

    @classmethod
    def parse(cls, text: str):
        """A state from a JSON object or a query string (as written by :meth:`to_json` / :meth:`to_query`)."""
        if not isinstance(text, str):
            raise TypeError(f"configuration must be text (JSON or a query string), got {type(text).__name__}")
        text = text.strip()
        return cls.from_json(text) if text.startswith("{") else cls.from_query(text)

    @classmethod
    def _from_mapping(cls, data: dict):
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            shown = ", ".join(_short(k) for k in unknown[:5])
            raise ValueError(f"unknown configuration key(s) {shown}; known: {', '.join(sorted(names))}")
        return cls(**data)


def _check_length(text):
    if not isinstance(text, str):
        raise TypeError(f"configuration must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"configuration must be at most {MAX_TEXT} characters, got {len(text)}")


def _no_repeats(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"configuration key {_short(k)} appears more than once")
        seen[k] = v
    return seen
